"""keytrail api."""
