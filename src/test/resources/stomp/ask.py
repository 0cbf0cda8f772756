"""Sends one prediction request to the service's broker over STOMP and prints the answer.

An application outside the JVM, as JmsExternalClientTest plays it:
python ask.py HOST PORT REQUEST_QUEUE REPLY_QUEUE REQUEST_ID TEXT [LOGIN PASSCODE]
Prints "refused: ..." and exits with 3 when the broker refuses the login.
"""
import json
import sys
import threading

import stomp

host, port, request_queue, reply_queue, request_id, text = sys.argv[1:7]
login, passcode = (sys.argv[7:9] + [None, None])[:2]
answered = threading.Event()
answer = {}


class Replies(stomp.ConnectionListener):
    def on_message(self, frame):
        answer["body"] = frame.body
        answered.set()


connection = stomp.Connection([(host, int(port))], auto_content_length=False)
connection.set_listener("", Replies())
try:
    connection.connect(login, passcode, wait=True)
except stomp.exception.ConnectFailedException as e:
    print("refused: " + str(e))
    sys.exit(3)
connection.subscribe(destination=reply_queue, id="replies", ack="auto",
                     headers={"subscription-type": "ANYCAST"})
connection.send(destination=request_queue, body=json.dumps({"text": text}),
                headers={"destination-type": "ANYCAST", "requestId": request_id})
if not answered.wait(60):
    print("no answer within 60 s", file=sys.stderr)
    sys.exit(2)
print(answer["body"])
connection.disconnect()
