# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Tools for the tests of the mails: a real SMTP server on 127.0.0.1

    with smtp_server() as messages:
        ...  # queue mails and run the queue (run_queued_tasks)
        message, = messages
        message['To'], message['Subject'], mail_text(message)
"""
import socket
from contextlib import contextmanager
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

import trytond.config as config
from trytond.pool import Pool
from trytond.transaction import Transaction


def free_port():
    "Return a TCP port of 127.0.0.1 that nobody listens on"
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class _Capture:
    "The aiosmtpd handler that keeps each message received"

    def __init__(self, messages):
        self.messages = messages

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        message.envelope_recipients = list(envelope.rcpt_tos)
        self.messages.append(message)
        return '250 Message accepted for delivery'


@contextmanager
def email_uri(uri):
    "Point trytond's [email] uri to the uri inside"
    previous = config.get('email', 'uri')
    config.set('email', 'uri', uri)
    try:
        yield
    finally:
        config.set('email', 'uri', previous)


@contextmanager
def smtp_server():
    """Start an SMTP server on a free port of 127.0.0.1, make trytond send
    to it and yield the list of the messages it receives
    (email.message.EmailMessage, with envelope_recipients)"""
    messages = []
    port = free_port()
    controller = Controller(
        _Capture(messages), hostname='127.0.0.1', port=port)
    controller.start()
    try:
        with email_uri('smtp://127.0.0.1:%s' % port):
            yield messages
    finally:
        controller.stop()


@contextmanager
def smtp_down():
    "Make trytond send to a port of 127.0.0.1 where no server listens"
    with email_uri('smtp://127.0.0.1:%s' % free_port()):
        yield


def run_queued_tasks():
    """Run in the current transaction the tasks queued by it: what trytond
    does after the commit when no queue worker is configured, for the tests
    that roll their transaction back"""
    pool = Pool()
    Queue = pool.get('ir.queue')
    transaction = Transaction()
    while transaction.tasks:
        Queue(transaction.tasks.pop(0)).run()


def mail_text(message):
    "Return the text of every text part of the message, decoded"
    return '\n'.join(
        part.get_content() for part in message.walk()
        if part.get_content_maintype() == 'text')


def mail_html(message):
    "Return the HTML body of the message"
    return next(
        part.get_content() for part in message.walk()
        if part.get_content_type() == 'text/html')
