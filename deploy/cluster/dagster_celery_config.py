"""Celery settings of the cluster's workers, read from the environment (no secrets here).

dagster_celery.app imports this module when it is on PYTHONPATH (deploy/cluster/up.sh puts
it there); the executor itself gets the same URLs from its run config.
"""

import os

broker_url = os.environ["DATAOPS_CELERY_BROKER"]
result_backend = os.environ["DATAOPS_CELERY_BACKEND"]
