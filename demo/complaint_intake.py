"""Demo data of complaint_intake: the complaint mailbox."""
from proteus import Model


def load(config):
    """The complaint mailbox: its address is where the mail server posts
    the mails that become complaints"""
    Inbox = Model.get('inbound.email.inbox', config=config)
    inbox = Inbox(name='投诉邮箱')
    rule = inbox.rules.new()
    rule.action = 'complaint.complaint|create_from_email'
    inbox.save()
    inbox.click('new_identifier')
