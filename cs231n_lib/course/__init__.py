"""The course's helpers: code the notebooks call that no student writes and CS231n does not have.

Validation of every entry point (``_checks``), the synthetic CIFAR-10 stand-in
(``synthetic``), lecture demos on the losses (``loss_variants``), full-batch
losses (``full_batch``, ``_block_rows``), divergence (``divergence``), learning-rate
schedules (``schedules``), hyperparameter search (``tuning``), initialization
(``weight_init``), test functions (``landscapes``), pictures (``plotting``), the
interactive playgrounds (``playgrounds``, ``playground_figures``,
``playground_widgets``) and the self-check (``selfcheck``). Each module is
imported on its own: ``from cs231n_lib.course import landscapes``.
"""
