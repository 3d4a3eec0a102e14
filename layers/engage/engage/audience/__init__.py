"""Audience: the people of an application, and erasing one of them."""
