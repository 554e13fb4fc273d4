"""The web interface (`ecoaudit serve`): server-rendered pages over the same store, accounts,
roles, sessions, CSRF and jobs an operator launches.

`app.create_app(settings)` builds the Starlette application; `routing.route` registers a view
with the role it needs; `context` is what a view uses (the store, the user, rendering, the audit
log); `views/` holds the views, one module per subject.
"""
