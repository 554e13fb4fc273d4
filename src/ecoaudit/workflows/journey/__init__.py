"""`ecoaudit journey`: play journey files, measure their steps, keep them (optionally)."""

from ecoaudit.workflows.journey.run import JourneysOutcome, journeys_document, play_journeys

__all__ = ["JourneysOutcome", "journeys_document", "play_journeys"]
