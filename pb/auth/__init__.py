"""Signing in, signing out and registering."""
