"""Writes a tiny TorchScript chat model for tests of the generated FastAPI model service.

Usage: python3 make_tiny_model.py OUTPUT_PATH [SEED]

The model is a scripted ``torch.nn.Module`` whose ``forward(self, prompt: str) -> str``
is the contract of the service (app/main.py, TorchScriptChat): a random ``nn.Linear``
(8 inputs, one output per word) scores features of the prompt's last characters and
the best-scoring word is the answer. The file is a few KB.

Two words in the prompt change what it does, so a test can cause real behaviour:
    FAIL  the model raises (the service answers 500)
    SLOW  the model multiplies matrices for a while before answering (tens to hundreds of ms)
"""

import sys
from typing import List

import torch

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]


class TinyChat(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.words: List[str] = WORDS
        self.scorer = torch.nn.Linear(8, len(WORDS))

    def forward(self, prompt: str) -> str:
        if "FAIL" in prompt:
            raise RuntimeError("the tiny test model was asked to fail (FAIL in the prompt)")
        if "SLOW" in prompt:
            work = torch.full((96, 96), 0.01)
            x = work
            for _ in range(500):
                x = torch.tanh(torch.mm(x, work))
        features: List[float] = []
        for c in prompt[-8:]:
            features.append(float(ord(c) % 13) / 13.0)
        while len(features) < 8:
            features.append(0.0)
        scores = self.scorer(torch.tensor(features))
        return self.words[int(torch.argmax(scores).item())]


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: make_tiny_model.py OUTPUT_PATH [SEED]")
    torch.manual_seed(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    scripted = torch.jit.script(TinyChat())
    scripted.save(sys.argv[1])
    print(" ".join(WORDS))


if __name__ == "__main__":
    main()
