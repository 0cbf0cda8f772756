"""Drives the service's Open Inference Protocol gRPC API with the real tritonclient.grpc, its
defaults unchanged (raw tensor contents), the API key in the call's metadata, and prints what it
saw as one JSON line for the Java test to check: usage: grpc_client.py <host:port> <api key> <text>..."""
import json
import sys

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException


def status_of(call):
    try:
        call()
        return "accepted"
    except InferenceServerException as e:
        return e.status()


def main(url, key, texts):
    client = grpcclient.InferenceServerClient(url)
    auth = {"x-api-key": key}
    server = client.get_server_metadata(headers=auth, as_json=True)
    model = client.get_model_metadata("spam-roberta", headers=auth, as_json=True)
    seen = {
        "live": client.is_server_live(headers=auth),
        "ready": client.is_server_ready(headers=auth),
        "server": server,
        "model": model,
        "ensemble_ready": client.is_model_ready("spam-default", headers=auth),
    }
    batch = np.array([text.encode("utf-8") for text in texts], dtype=np.object_)
    text = grpcclient.InferInput("text", [len(texts)], "BYTES")
    text.set_data_from_numpy(batch)

    answer = client.infer("spam-roberta", [text], request_id="triton-grpc-1", headers=auth)
    seen["id"] = answer.get_response().id
    seen["probabilities"] = answer.as_numpy("probabilities").tolist()

    best = grpcclient.InferRequestedOutput("probabilities", class_count=1)
    answer = client.infer("spam-default", [text], outputs=[best], headers=auth)
    seen["best"] = [element.decode("utf-8") for element in answer.as_numpy("probabilities").ravel()]

    seen["wrong_key"] = status_of(lambda: client.infer("spam-roberta", [text], headers={"x-api-key": "not-a-key"}))
    seen["unknown_model"] = status_of(lambda: client.infer("no-such-model", [text], headers=auth))
    print(json.dumps(seen))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
