"""Drives the service's Open Inference Protocol REST API with the real tritonclient.http, its
defaults unchanged (binary tensor data on inputs and outputs), and prints what it saw as one JSON
line for the Java test to check: usage: http_client.py <host:port> <api key> <text>..."""
import json
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException


def main(url, key, texts):
    client = httpclient.InferenceServerClient(url)
    # a fresh dict each call: infer() adds its Content-Encoding and length headers to the one it is given
    auth = {"X-API-Key": key}
    seen = {
        "live": client.is_server_live(headers=dict(auth)),
        "ready": client.is_server_ready(headers=dict(auth)),
        "server": client.get_server_metadata(headers=dict(auth)),
        "model": client.get_model_metadata("spam-roberta", headers=dict(auth)),
        "ensemble_ready": client.is_model_ready("spam-default", headers=dict(auth)),
    }
    batch = np.array([text.encode("utf-8") for text in texts], dtype=np.object_)

    text = httpclient.InferInput("text", [len(texts)], "BYTES")
    text.set_data_from_numpy(batch)  # binary_data=True: the client's default
    answer = client.infer("spam-roberta", [text], request_id="triton-http-1", headers=dict(auth))
    seen["id"] = answer.get_response()["id"]
    seen["probabilities"] = answer.as_numpy("probabilities").tolist()

    best = httpclient.InferRequestedOutput("probabilities", class_count=1)  # binary_data=True
    answer = client.infer("spam-default", [text], outputs=[best], headers=dict(auth),
                          request_compression_algorithm="gzip")
    seen["best"] = [element.decode("utf-8") for element in answer.as_numpy("probabilities").ravel()]

    as_json = httpclient.InferInput("text", [len(texts), 1], "BYTES")
    as_json.set_data_from_numpy(batch.reshape(len(texts), 1), binary_data=False)
    answer = client.infer("spam-roberta", [as_json], model_version="1", headers=dict(auth),
                          outputs=[httpclient.InferRequestedOutput("probabilities", binary_data=False)])
    seen["json_probabilities"] = answer.as_numpy("probabilities").tolist()

    try:
        client.infer("spam-roberta", [text], headers={"X-API-Key": "not-a-key"})
        seen["wrong_key"] = "accepted"
    except InferenceServerException as e:
        seen["wrong_key"] = e.status()
    try:
        client.infer("no-such-model", [text], headers=dict(auth))
        seen["unknown_model"] = "accepted"
    except InferenceServerException as e:
        seen["unknown_model"] = e.status()
    print(json.dumps(seen))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
