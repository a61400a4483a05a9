"""Stateful SageMaker Pipelines stand-in for the tests, in front of a moto server.

moto emulates CreatePipeline and DescribePipeline, but its executions succeed at once, have no steps and
ignore ClientRequestToken. This server handles the execution operations itself (start, describe, list
steps, stop, list executions, list parameters), with a lifecycle that tests drive through the control API
under /__standin/. It logs the MLflow runs that the real steps log, and forwards every other request to
moto unchanged. Requests and responses are checked against botocore's SageMaker service model.

Usage: python sagemaker_standin.py --port 8001 --moto-url http://127.0.0.1:5000
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import threading

# The modules live in tests/harness/sagemaker/, which goes on the import path itself. The folder has no
# __init__.py, so it can never shadow the installed `sagemaker` SDK package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sagemaker'))

from standin_server import StandInServer  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (default: 127.0.0.1)')
    parser.add_argument('--port', type=int, required=True, help='TCP port to listen on')
    parser.add_argument('--moto-url', required=True, help='URL of the moto server, for example http://127.0.0.1:5000')
    parser.add_argument('--log-level', default='INFO', help='Python logging level (default: INFO)')
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format='%(asctime)s %(name)s %(levelname)s %(message)s')
    log = logging.getLogger('sagemaker-standin')

    # Importing MLflow takes seconds; doing it in the background keeps the first Evaluate step quick.
    threading.Thread(target=importlib.import_module, args=('mlflow.tracking',), daemon=True).start()

    server = StandInServer((args.host, args.port), args.moto_url)
    log.info('SageMaker stand-in listening on http://%s:%d, forwarding to %s', args.host, args.port, args.moto_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        log.info('SageMaker stand-in stopped')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
