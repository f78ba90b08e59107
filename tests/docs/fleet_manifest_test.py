#!/usr/bin/env python3
"""The Kubernetes Indexed Job of docs/guides/fleet.md (examples/fleet/k8s-indexed-job.yaml):
the Job is Indexed with as many completions as pods run at once and as SHARDS says, each pod runs
ocpp-fleet with --shard "$((JOB_COMPLETION_INDEX + 1))/$SHARDS", and the ConfigMap's scenario is
one ocpp-fleet accepts: for every completion index, `ocpp-fleet --dry-run` of that shard gives a
slice, and the slices are disjoint and cover every charge point of the scenario.
Usage: fleet_manifest_test.py OCPP_FLEET MANIFEST"""
import json
import re
import subprocess
import sys
import tempfile

import yaml


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


fleet, manifest = sys.argv[1], sys.argv[2]
docs = {d["kind"]: d for d in yaml.safe_load_all(open(manifest))}
job, cm = docs.get("Job"), docs.get("ConfigMap")
if not job or not cm:
    fail("the manifest needs a Job and a ConfigMap")
spec = job["spec"]
if spec.get("completionMode") != "Indexed":
    fail("the Job is not Indexed")
pod = spec["template"]["spec"]
container = pod["containers"][0]
env = {e["name"]: e["value"] for e in container.get("env", [])}
shards = int(env.get("SHARDS", "0"))
if not (spec["completions"] == spec["parallelism"] == shards > 0):
    fail(f"completions {spec['completions']}, parallelism {spec['parallelism']} and SHARDS {shards} differ")
script = " ".join(container["args"])
if '--shard "$((JOB_COMPLETION_INDEX + 1))/$SHARDS"' not in script:
    fail("the container does not pass --shard from JOB_COMPLETION_INDEX")
mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
vols = {v["name"]: v for v in pod["volumes"]}
scenario_path = re.search(r"--scenario (\S+)", script).group(1)
if not scenario_path.startswith(mounts["scenario"] + "/") or vols["scenario"]["configMap"]["name"] != cm["metadata"]["name"]:
    fail("the scenario is not read from the ConfigMap's volume")
if "--report" not in script or not re.search(r'--report "' + re.escape(mounts["reports"]) + r'/shard-\$JOB_COMPLETION_INDEX\.json"', script):
    fail("each pod must write its own report to the reports volume")
if pod.get("terminationGracePeriodSeconds", 30) < 60:
    fail("the grace period is too short to stop and deliver the open transactions")

name = scenario_path.rsplit("/", 1)[1]
scenario = json.loads(cm["data"][name])
total = sum(g["count"] for g in scenario["groups"])
with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
    json.dump(scenario, f)
    f.flush()
    expected = 1
    for index in range(shards):
        out = subprocess.run([fleet, "--scenario", f.name, "--dry-run", "--shard", f"{index + 1}/{shards}"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            fail(f"ocpp-fleet refused shard {index + 1}/{shards}: {out.stderr}")
        m = re.match(r"shard \d+/\d+: (\d+) of (\d+) charge points: (\S+) \.\. (\S+)", out.stdout)
        if not m or int(m.group(2)) != total:
            fail(f"unexpected plan: {out.stdout}")
        first, last = (int(re.search(r"(\d+)$", x).group(1)) for x in (m.group(3), m.group(4)))
        if first != expected or last - first + 1 != int(m.group(1)):
            fail(f"shard {index + 1}: {m.group(3)} .. {m.group(4)} does not follow the previous shard")
        expected = last + 1
    if expected != total + 1:
        fail(f"the shards cover {expected - 1} of {total} charge points")
print(f"manifest OK: Indexed Job of {shards} shards covering {total} charge points without overlap")
