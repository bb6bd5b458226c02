"""Interactive Solara/Mesa dashboard (``aiblocs viz``); needs the ``viz`` extra."""
