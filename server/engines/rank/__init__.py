"""The learned part of the ``auto`` engine: candidate pragmas for a loop and a model that ranks
them (see :mod:`.candidates`, :mod:`.features`, :mod:`.model`); group folds for fitting it
without leaking a project into its own training signal (:mod:`.folds`)."""
