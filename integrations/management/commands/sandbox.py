"""`python manage.py sandbox --port 8765`: the local RunPod + Printify emulator (see integrations/sandbox/)."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.sandbox.base import RUNPOD_OUTPUT_FORMATS
from integrations.sandbox.server import SandboxServer

# The smallest graph the fake renders: a prompt and a SaveImage (size defaults to 1024×1024).
EXAMPLE_WORKFLOW = (
    '{"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a red fox, woodcut"}}, '
    '"9": {"class_type": "SaveImage", "inputs": {}}}'
)


class Command(BaseCommand):
    help = "Serve local fakes of the RunPod serverless and Printify APIs on loopback (nothing leaves the machine)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--latency", type=float, default=3.0, help="seconds a RunPod job runs on a GPU")
        parser.add_argument("--gpu-workers", type=int, default=4, help="jobs IN_PROGRESS at once; the rest queue")
        parser.add_argument("--retention", type=float, default=1800.0, help="seconds /run results are kept")
        parser.add_argument("--output", choices=RUNPOD_OUTPUT_FORMATS, default="base64", help="RunPod output format")
        parser.add_argument("--fail-rate", type=float, default=0.0, help="share of jobs that end FAILED")
        parser.add_argument("--timeout-rate", type=float, default=0.0, help="share of jobs that end TIMED_OUT")
        parser.add_argument("--error-rate", type=float, default=0.0, help="share of API requests answered 500")
        parser.add_argument("--throttle-rate", type=float, default=0.0, help="share of API requests answered 429")
        parser.add_argument("--publish-delay", type=float, default=2.0, help="seconds until a publish completes")
        parser.add_argument(
            "--sales-channel", default="etsy", help='shop 1\'s channel; "disconnected" makes publishing fail (8254)'
        )
        parser.add_argument("--seed", type=int, default=0, help="seed for the fault dice")
        parser.add_argument("--quiet", action="store_true", help="do not log each request")

    def handle(self, *args, **options):
        config = {
            "runpod_latency": options["latency"],
            "runpod_gpu_workers": options["gpu_workers"],
            "runpod_retention": options["retention"],
            "runpod_output": options["output"],
            "runpod_fail_rate": options["fail_rate"],
            "runpod_timeout_rate": options["timeout_rate"],
            "http_500_rate": options["error_rate"],
            "http_429_rate": options["throttle_rate"],
            "printify_publish_delay": options["publish_delay"],
            "printify_sales_channel": options["sales_channel"],
            "seed": options["seed"],
        }
        logging.getLogger("integrations.sandbox").setLevel(logging.INFO)
        try:
            sandbox = SandboxServer(options["host"], options["port"], log_requests=not options["quiet"], **config)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {exc}") from None
        self.stdout.write(self._banner(sandbox))
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.close()

    def _banner(self, sandbox: SandboxServer) -> str:
        endpoint = settings.RUNPOD_ENDPOINT_ID if settings.POD_SANDBOX else "sandbox-endpoint"
        runpod = f"{sandbox.url}/runpod/v2"
        printify = f"{sandbox.url}/printify/v1"
        # Any non-empty key is accepted, so the examples use placeholders rather than a configured secret.
        return (
            f"Sandbox — nothing is sent to RunPod or Printify. Serving on {sandbox.url}\n"
            f"  RunPod   base: {runpod}   (endpoint id: any, e.g. {endpoint})\n"
            f"  Printify base: {printify}   (shop id 1)\n"
            f"  State:  curl {sandbox.url}/_sandbox/state\n"
            f"  Config: curl -X POST {sandbox.url}/_sandbox/config -d '{{\"runpod_latency\": 0.5}}'\n"
            f"  Try RunPod:\n"
            f"    curl -H 'Authorization: Bearer any-key' -H 'Content-Type: application/json' \\\n"
            f'      -d \'{{"input": {{"workflow": {EXAMPLE_WORKFLOW}}}}}\' {runpod}/{endpoint}/run\n'
            f"    curl -H 'Authorization: Bearer any-key' {runpod}/{endpoint}/status/<id>\n"
            f"  Try Printify:\n"
            f"    curl -H 'Authorization: Bearer any-token' {printify}/shops.json\n"
            f"    curl -H 'Authorization: Bearer any-token' {printify}/catalog/blueprints/384.json\n"
            "Ctrl-C stops it.\n"
        )
