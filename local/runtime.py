"""The one-machine runtime: DynamoDB Local, moto's S3 and Step Functions engine, in-process Lambdas.

The state machine executed is exactly `statemachines/import.asl.json` with its `${...}`
substitutions filled in. Lambda tasks reach the project's handlers through one seam: moto's
no-docker Lambda backend `invoke`, replaced by a dispatcher. S3 objects are written through
to `--data-dir` and loaded back at start, so a failed import can be resumed by a later process
and reports stay downloadable.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from functions.common import aws as common_aws
from functions.common.models import Company, Contact, GlobalContact, bind_tables, table_name
from functions.common.observability import discard_metrics
from functions.common.settings import get_settings, reset_settings
from functions.query import freshness
from functions.query.db import get_database, reset_database
from functions.query.migrate import migrate
from functions.registry import FUNCTIONS, machine_functions
from local import dynamodb, postgres, tables, writes
from local.s3store import PersistentS3
from local.streams import StreamPoller

REPO_ROOT = Path(__file__).resolve().parent.parent
ASL_PATH = REPO_ROOT / "statemachines" / "import.asl.json"
BULK_STATE_MACHINE_NAME = "contact-import-bulk"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
FUNCTION_PREFIX = "contact-import-"
STATE_MACHINE_NAME = "contact-import"
DEFAULT_DATA_DIR = Path(".contact-import")
# the tables whose streams the read model is projected from
PROJECTED = (Contact, Company, GlobalContact)


@dataclass
class LambdaContext:
    """The parts of the Lambda context object the handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = ""
    aws_request_id: str = ""
    log_group_name: str = "local"
    log_stream_name: str = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 900_000


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{FUNCTION_PREFIX}{name}"


def asl_definition(bucket: str, machine: str = "import") -> str:
    """The ASL file with its substitutions filled in, exactly as CDK does on deploy."""
    path = ASL_PATH.with_name(f"{machine}.asl.json")
    text = path.read_text()
    subs = {
        spec.substitution: function_arn(spec.name) for spec in machine_functions(machine) if spec.substitution
    }
    subs["Bucket"] = bucket
    for name, value in subs.items():
        text = text.replace("${" + name + "}", value)
    if "${" in text:
        raise ValueError(f"unfilled substitution in {path}")
    return text


class ExecutionStopped(RuntimeError):
    """A task of an execution that was stopped: refused before its handler runs."""


class Dispatcher:
    """Routes a Lambda invoke to the project's handler, in this process."""

    def __init__(self) -> None:
        self._handlers: dict[str, Callable[[dict[str, Any], Any], Any]] = {}
        self._lock = threading.Lock()
        self.calls: dict[str, int] = {}
        # test-only fault injection: name -> callable raising before the handler runs
        self.faults: dict[str, Callable[[dict[str, Any]], None]] = {}
        # jobs whose execution was stopped: their engine threads may still try a task, and each
        # is refused; `_in_flight` counts the handlers of a job that are running right now
        self._fenced: set[str] = set()
        self._in_flight: dict[str, int] = {}
        self._idle = threading.Condition(self._lock)

    def fence(self, job_id: str) -> None:
        with self._lock:
            self._fenced.add(job_id)

    def unfence(self, job_id: str) -> None:
        with self._lock:
            self._fenced.discard(job_id)

    def wait_idle(self, job_id: str, timeout: float = 120) -> bool:
        """Wait until no handler of the job runs; False if one still runs after `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._in_flight.get(job_id), timeout=timeout)

    def handler(self, name: str) -> Callable[[dict[str, Any], Any], Any]:
        with self._lock:
            if name not in self._handlers:
                spec = next(s for s in FUNCTIONS if s.name == name)
                module, attr = spec.handler.rsplit(".", 1)
                self._handlers[name] = getattr(importlib.import_module(module), attr)
            return self._handlers[name]

    def invoke(self, function_name: str, body: Any, response_headers: dict[str, str]) -> bytes:
        name = function_name.rsplit(":", 1)[-1].removeprefix(FUNCTION_PREFIX)
        job_id = ""
        try:
            event = json.loads(body or b"{}")
            job_id = str(event.get("job_id") or "") if isinstance(event, dict) else ""
            with self._lock:
                if job_id in self._fenced:
                    job_id = ""  # counted by nobody: it never runs
                    raise ExecutionStopped(f"the execution of job {event.get('job_id')} was stopped")
                self.calls[name] = self.calls.get(name, 0) + 1
                if job_id:
                    self._in_flight[job_id] = self._in_flight.get(job_id, 0) + 1
            if name in self.faults:
                self.faults[name](event)
            result = self.handler(name)(event, LambdaContext(function_name=name))
            return json.dumps(result).encode()
        except Exception as exc:  # a function error, as Lambda reports it
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorType": type(exc).__name__,
                    "errorMessage": str(exc),
                    "stackTrace": traceback.format_exception(exc)[-5:],
                }
            ).encode()
        finally:
            discard_metrics()
            if job_id:
                with self._idle:
                    self._in_flight[job_id] -= 1
                    if not self._in_flight[job_id]:
                        del self._in_flight[job_id]
                        self._idle.notify_all()


class Runtime:
    """Everything the pipeline needs, on this machine. Use as a context manager."""

    def __init__(self, data_dir: Path | None = DEFAULT_DATA_DIR, *, in_memory: bool = False) -> None:
        self.data_dir = data_dir.resolve() if data_dir else None
        self.in_memory = in_memory or data_dir is None
        self.dispatcher = Dispatcher()
        self._stack = contextlib.ExitStack()
        self.ddb_endpoint = ""
        self.moto_endpoint = ""
        self.state_machine_arn = ""
        self.bulk_state_machine_arn = ""

    def __enter__(self) -> Runtime:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # a signal (Ctrl-C, SIGTERM, SIGHUP) asks for a prompt exit: what the read model has not
        # projected yet stays in the streams, where the next process's poller finds it
        self.interrupted = exc_type is not None and issubclass(exc_type, KeyboardInterrupt | SystemExit)
        self._stack.close()

    interrupted = False

    def _start(self) -> None:
        _set_base_env()
        ddb_dir = None if self.in_memory or self.data_dir is None else self.data_dir / "dynamodb"
        engine = self._stack.enter_context(dynamodb.running(data_dir=ddb_dir))
        self.ddb_endpoint = engine.endpoint
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = engine.endpoint

        pg_dir = None if self.in_memory or self.data_dir is None else self.data_dir / "postgres"
        self.pg_dsn = self._stack.enter_context(postgres.running(data_dir=pg_dir))
        if os.environ.get("CI_PG_DSN") != self.pg_dsn:
            os.environ["CI_PG_DSN"] = self.pg_dsn
            self._stack.callback(os.environ.pop, "CI_PG_DSN", None)

        self.moto_endpoint = self._start_moto()
        for service in ("S3", "SFN", "LAMBDA", "EVENTBRIDGE"):
            os.environ[f"AWS_ENDPOINT_URL_{service}"] = self.moto_endpoint
        if self.data_dir is not None and not os.environ.get("CI_MASTER_KEYS"):
            os.environ["CI_MASTER_KEYS"] = _local_master_key(self.data_dir)
        reset_settings()
        # before any client of this run exists: the read barrier drains only after a write
        writes.watch(table_name(model) for model in PROJECTED)
        common_aws.reset_clients()
        settings = get_settings()
        bind_tables(settings, host=engine.endpoint)
        tables.create_all(engine.endpoint)
        self._start_read_model(engine.endpoint)

        s3 = common_aws.client("s3")
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(Bucket=settings.bucket)
        if self.persistent_s3:
            self.persistent_s3.load(s3)
        self.state_machine_arn = self._create_state_machine(settings.bucket)
        self.bulk_state_machine_arn = self._create_state_machine(
            settings.bucket, name=BULK_STATE_MACHINE_NAME, machine="bulk"
        )

    persistent_s3: PersistentS3 | None = None
    poller: StreamPoller | None = None
    pg_dsn = ""

    def _start_read_model(self, ddb_endpoint: str) -> None:
        """Schema migrations, then the stream poller feeding the projector handler (as the event
        source mapping does on AWS); queries drain it first, so they read every earlier write."""
        reset_database()
        db = get_database()
        assert db is not None
        migrate(db)
        from functions.query.handler import project

        poller = StreamPoller(
            ddb_endpoint,
            tuple(table_name(model) for model in PROJECTED),
            db,
            lambda event: project(event, LambdaContext("Projector")),
        )
        self.poller = poller
        freshness.register(poller.drain)
        poller.start()

        def stop() -> None:
            freshness.register(None)
            poller.stop(timeout=2 if self.interrupted else 30)
            if not self.interrupted:
                with contextlib.suppress(Exception):
                    poller.drain()  # what this process wrote is projected before it exits
            reset_database()

        self._stack.callback(stop)

    def _start_moto(self) -> str:
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.core.config import default_user_config
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        default_user_config["stepfunctions"]["execute_state_machine"] = True
        default_user_config["lambda"]["use_docker"] = False
        dispatcher = self.dispatcher

        def invoke(
            self_: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
        ):
            return dispatcher.invoke(function_name, body, response_headers)

        original_invoke = LambdaSimpleBackend.invoke
        LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign,assignment]
        self._stack.callback(setattr, LambdaSimpleBackend, "invoke", original_invoke)

        if self.data_dir is not None:
            self.persistent_s3 = PersistentS3(self.data_dir / "s3")
            self._stack.enter_context(self.persistent_s3.write_through())

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        port = dynamodb.free_port()
        os.environ["MOTO_PORT"] = str(port)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        self._stack.callback(server.stop)
        self._stack.callback(_reset_moto)
        return f"http://127.0.0.1:{port}"

    def _create_state_machine(
        self, bucket: str, *, name: str = STATE_MACHINE_NAME, machine: str = "import"
    ) -> str:
        sfn = common_aws.client("stepfunctions")
        arn = f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}"
        definition = asl_definition(bucket, machine)
        try:
            sfn.describe_state_machine(stateMachineArn=arn)
            sfn.update_state_machine(stateMachineArn=arn, definition=definition)
        except sfn.exceptions.StateMachineDoesNotExist:
            sfn.create_state_machine(
                name=name,
                definition=definition,
                roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/contact-import-sfn",
                type="STANDARD",
            )
        return arn

    # --- executions -------------------------------------------------------------------------

    def start_execution(self, name: str, payload: dict[str, Any]) -> str:
        sfn = common_aws.client("stepfunctions")
        self.dispatcher.unfence(str(payload.get("job_id") or ""))
        resp = sfn.start_execution(
            stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(payload)
        )
        return str(resp["executionArn"])

    def stop_execution(
        self, execution_arn: str, job_id: str, *, cause: str = "", wait_s: float = 120
    ) -> bool:
        """Stop an execution; True once none of its tasks runs or can start any more, False if
        a handler of it still runs after `wait_s` seconds.

        On AWS a stopped execution's running task finishes on its own; here it runs in this
        process's engine threads, which would go on moving the job after its runner marked it
        failed. So: no new task of the job is dispatched, the execution is stopped, and the
        handlers already running are waited for."""
        self.dispatcher.fence(job_id)
        with contextlib.suppress(Exception):  # already over: nothing to stop
            common_aws.client("stepfunctions").stop_execution(executionArn=execution_arn, cause=cause[:32000])
        return self.dispatcher.wait_idle(job_id, timeout=wait_s)

    def wait(
        self, execution_arn: str, *, timeout: float = 3600, on_poll: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        sfn = common_aws.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            desc = sfn.describe_execution(executionArn=execution_arn)
            if desc["status"] != "RUNNING":
                return dict(desc)
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {execution_arn} still running after {timeout}s")
            if on_poll:
                on_poll()
            time.sleep(0.2)


def _set_base_env() -> None:
    defaults = {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        "POWERTOOLS_SERVICE_NAME": "contact-import",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    # the runtime owns these: never let a developer's real AWS profile leak in
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(key, None)
    os.environ["AWS_ACCESS_KEY_ID"] = "local"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "local"


def _local_master_key(data_dir: Path) -> str:
    """The one-machine stand-in for the master-key secret: generated once, readable by the owner only."""
    from functions.enrich.keys import generate_master_key

    path = data_dir / "master.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # written whole under a temporary name, then linked into place: of several processes
        # starting at once exactly one key wins and no process ever reads a half-written file
        fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".master.key-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(generate_master_key())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def _reset_moto() -> None:
    from moto.backends import get_backend

    for service in ("s3", "stepfunctions"):
        with contextlib.suppress(Exception):
            for account in get_backend(service).values():  # type: ignore[arg-type]
                account.reset()


@contextlib.contextmanager
def started(data_dir: Path | None = DEFAULT_DATA_DIR, *, in_memory: bool = False) -> Iterator[Runtime]:
    with Runtime(data_dir, in_memory=in_memory) as rt:
        yield rt
