"""Batch scoring of ${{ values.name }} with the TorchScript model ${{ values.modelName }}.

Reads JSON Lines from INPUT_PATH (a file, or a folder whose *.jsonl files are read in name
order); every line is an object with an "id" and a list of numbers "features". Scores them
with the TorchScript model at MODEL_PATH (a file, or a folder holding model.pt) and writes
one line {"id": ..., "score": ...} per record ("scores": [...] when the model returns several
values per record) to OUTPUT_PATH/scores-<UTC time>.jsonl. The output file appears only
when every record was scored (it is written under a temporary name, then renamed).

Exit status: 0 when everything was scored, 1 otherwise (with the reason on stderr), so the
Kubernetes Job is marked failed and retried.

    python -m job.score [--input PATH] [--model PATH] [--output DIR] [--batch-size N]
"""

import argparse
import datetime
import glob
import json
import logging
import os
import sys

import torch

log = logging.getLogger("score")


class ScoringError(Exception):
    """A problem with the model or the input that makes the run fail."""


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", default=os.environ.get("INPUT_PATH", "/data/input"))
    parser.add_argument(
        "--model",
        default=os.environ.get("MODEL_PATH", "/models/${{ values.modelName }}/model.pt"),
    )
    parser.add_argument("--output", default=os.environ.get("OUTPUT_PATH", "/data/output"))
    parser.add_argument("--batch-size", type=int, default=int(os.environ.get("BATCH_SIZE", "1024")))
    return parser.parse_args(argv)


def load_model(path):
    if os.path.isdir(path):
        path = os.path.join(path, "model.pt")
    if not os.path.isfile(path):
        raise ScoringError("no model at %s" % path)
    try:
        model = torch.jit.load(path, map_location="cpu")
    except Exception as error:  # noqa: BLE001 - any load failure fails the run
        raise ScoringError("%s is not a loadable TorchScript file: %s" % (path, error)) from error
    model.eval()
    return model


def input_files(path):
    if os.path.isdir(path):
        files = sorted(glob.glob(os.path.join(path, "*.jsonl")))
        if not files:
            raise ScoringError("no *.jsonl files in %s" % path)
        return files
    if os.path.isfile(path):
        return [path]
    raise ScoringError("no input at %s" % path)


def read_records(files):
    """Yields (id, features) for every line, in order."""
    for name in files:
        with open(name, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = "%s:%d" % (name, number)
                try:
                    record = json.loads(line)
                except ValueError as error:
                    raise ScoringError("%s: not JSON: %s" % (where, error)) from error
                features = record.get("features") if isinstance(record, dict) else None
                if "id" not in (record if isinstance(record, dict) else {}) or not isinstance(features, list):
                    raise ScoringError('%s: expected {"id": ..., "features": [numbers]}' % where)
                yield record["id"], features


def batches(records, size):
    batch = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def score_batch(model, batch):
    try:
        inputs = torch.tensor([features for _, features in batch], dtype=torch.float32)
    except (TypeError, ValueError) as error:
        raise ScoringError("features must be equally long lists of numbers: %s" % error) from error
    with torch.no_grad():
        output = model(inputs)
    if not isinstance(output, torch.Tensor) or output.shape[0] != len(batch):
        raise ScoringError("the model must return one row per record")
    output = output.reshape(len(batch), -1).tolist()
    for (record_id, _), values in zip(batch, output):
        if len(values) == 1:
            yield {"id": record_id, "score": values[0]}
        else:
            yield {"id": record_id, "scores": values}


def run(args):
    model = load_model(args.model)
    files = input_files(args.input)
    os.makedirs(args.output, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = os.path.join(args.output, "scores-%s.jsonl" % stamp)
    partial = target + ".partial"
    count = 0
    try:
        with open(partial, "w", encoding="utf-8") as out:
            for batch in batches(read_records(files), args.batch_size):
                for result in score_batch(model, batch):
                    out.write(json.dumps(result) + "\n")
                    count += 1
        if count == 0:
            raise ScoringError("the input holds no records")
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    log.info("scored %d records from %d file(s) into %s", count, len(files), target)
    return target


def main(argv=None):
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(message)s")
    try:
        run(parse_args(sys.argv[1:] if argv is None else argv))
    except ScoringError as error:
        log.error("%s", error)
        return 1
    except Exception:  # noqa: BLE001 - anything unexpected fails the Job too
        log.exception("scoring failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
