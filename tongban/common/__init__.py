"""Helpers with no models and no domain imports: ids, masking, clock, errors, roles."""
