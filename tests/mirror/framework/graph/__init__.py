"""The mirror's ``framework.graph``: the part of the framework that drives a provider."""
