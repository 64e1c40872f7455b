"""keytrail queries."""
