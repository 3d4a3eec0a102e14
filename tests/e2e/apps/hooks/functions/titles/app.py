"""A recommender's transformer function as a customer writes one (Pinpoint's documented contract):
it gets the endpoints, each with its RecommendationItems (item ids from Personalize), and answers
the same map with each endpoint's `Recommendations`: here the items' titles, from a catalogue."""

CATALOGUE = {"i-1": "Fleabag", "i-2": "Late Night", "i-3": "Catastrophe", "i-9": "Evergreen"}


def handler(event, context):
    answered = {}
    for endpoint_id, endpoint in event["Endpoints"].items():
        items = endpoint.get("RecommendationItems") or []
        titles = [CATALOGUE.get(item, item) for item in items]
        answered[endpoint_id] = {**endpoint, "Recommendations": {"Title": titles}}
    return answered
