"""What the console's masked role sees of an endpoint (engage.console.views)."""


def test_an_endpoint_seen_by_the_masked_role_shows_no_address_but_everything_else():
    from engage.console.views import address_channels, with_address_masked

    email = {"Id": "e", "ChannelType": "EMAIL", "Address": "jane.doe@example.com", "OptOut": "NONE"}
    assert with_address_masked(email) == {**email, "Address": "j***@***.com"}
    assert email["Address"] == "jane.doe@example.com", "the endpoint itself is not changed"
    assert with_address_masked({"ChannelType": "SMS", "Address": "+14255550100"})["Address"] == "+*********00"
    assert with_address_masked({"ChannelType": "GCM", "Address": "tokenabcdef"})["Address"] == "toke***"
    assert with_address_masked({"ChannelType": "IN_APP"}) == {"ChannelType": "IN_APP"}
    assert address_channels("a@b.example") == ("EMAIL",) and address_channels("+1 425") == ("SMS", "VOICE")
