"""Machinery every source shares for reading raw formats: compressed input, JSON framings, YAML."""
