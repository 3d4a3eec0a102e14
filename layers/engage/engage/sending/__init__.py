"""Messages as they are sent: the email MIME document (the bytes SES sends are the bytes archived)
and the requests of each channel."""
