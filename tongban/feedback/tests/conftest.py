from tongban.feedback.tests.flows import fig_items, heads, no_result_task  # noqa: F401  (fixtures)
