"""Message templates: Pinpoint's template model (email, SMS, voice, push; versions) and rendering
with a Handlebars engine over Pinpoint's message variables."""
