"""keytrail's graph: the model declared once, canonical ids, and the two stores."""
