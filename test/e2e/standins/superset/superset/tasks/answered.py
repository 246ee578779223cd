"""The base of the stand-in's tasks whose answer an e2e endpoint reads back.

The generated CeleryConfig ignores task results (Superset reads none), so a web process publishes
exactly as Superset's `.delay()` does there: without subscribing to the result channel. These
tasks still hand their answer over: the worker stores it in the result backend after the task
returned, and the endpoint polls it with plain reads (no pub/sub)."""

from celery import states

from superset.extensions import celery_app


# On the app's task class (create_app() made it run tasks in the Flask app context): this module
# is imported after create_app(), as the tasks modules are.
class AnsweredTask(celery_app.Task):  # type: ignore[misc, name-defined]
    def after_return(self, status, retval, task_id, args, kwargs, einfo):
        if status in (states.SUCCESS, states.FAILURE):
            self.backend.store_result(task_id, retval, status, request=self.request)
