"""keytrail loaders."""
