"""Blueprints: views translate HTTP to service calls and back."""
