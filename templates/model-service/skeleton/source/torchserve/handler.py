"""TorchServe handler for ${{ values.modelName }}: image bytes in, the most likely classes out.

TorchServe's BaseHandler loads the TorchScript file packed into the model archive
(``--serialized-file``) and, when the archive carries ``index_to_name.json``, the
class names. This handler adds the image decoding and the top-k answer.
"""

import base64
import io
import os

import numpy as np
import torch
from PIL import Image
from ts.torch_handler.base_handler import BaseHandler

IMAGE_SIZE = int(os.environ.get("IMAGE_SIZE", "224"))
TOP_K = int(os.environ.get("TOP_K", "5"))
# ImageNet statistics: change them if the model was trained with others.
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
BILINEAR = getattr(Image, "Resampling", Image).BILINEAR


class ImageClassifier(BaseHandler):
    """Classifies one image per request; TorchServe batches requests together."""

    def initialize(self, context):
        super().initialize(context)
        self.model.eval()

    def preprocess(self, data):
        images = [self._to_tensor(self._read_image(row)) for row in data]
        return torch.stack(images).to(self.device)

    def inference(self, data, *args, **kwargs):
        with torch.inference_mode():
            return self.model(data)

    def postprocess(self, data):
        probabilities = torch.softmax(data.float(), dim=1)
        top = probabilities.topk(min(TOP_K, probabilities.shape[1]), dim=1)
        return [
            {self._label(index): round(score, 6) for score, index in zip(scores, indices)}
            for scores, indices in zip(top.values.tolist(), top.indices.tolist())
        ]

    @staticmethod
    def _read_image(row):
        payload = row.get("data") or row.get("body")
        if isinstance(payload, str):
            payload = base64.b64decode(payload)
        if not isinstance(payload, (bytes, bytearray)):
            raise ValueError("send the image bytes as the request body")
        return Image.open(io.BytesIO(payload)).convert("RGB")

    @staticmethod
    def _to_tensor(image):
        image = image.resize((IMAGE_SIZE, IMAGE_SIZE), BILINEAR)
        array = (np.asarray(image, dtype=np.float32) / 255.0 - MEAN) / STD
        return torch.from_numpy(array.transpose(2, 0, 1).copy())

    def _label(self, index):
        mapping = getattr(self, "mapping", None) or {}
        return mapping.get(str(index), str(index))
