"""Use cases. Services are the only layer that commits; they raise domain errors."""
