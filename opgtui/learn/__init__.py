"""Learning from the shift: unknown failures grouped into log templates, a shifter's label made into a signature,
tested before it is enabled, kept in the store for the whole team and applied to the verdicts.

``templates`` and ``patterns`` are pure (lines in, templates and patterns out); ``library`` keeps labels and
signatures in the store; ``vetting`` tests a candidate; ``pack`` turns the stored signatures into one more pack.
"""
