"""Statistics on registry data: cohort frames, estimators (survival, mixed models, meta-analysis),
figures and reports. Pure numpy/scipy/pandas; never imports Django."""
