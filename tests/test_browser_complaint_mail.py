"""A complainant answers the satisfaction survey in a real browser: the
clerk registers a complaint with an email address, the handler answers it
over JSON-RPC as the web client does, and the survey link of the mail the
server wrote opens in Chromium; one click records the answer, once."""
import datetime as dt
import email
import email.policy
import json
import re
import urllib.parse

import lxml.html
import pytest
from playwright.sync_api import expect

from production_harness import RPC
from trytond.protocols.jsonrpc import JSONEncoder

from demo.base import DEMO_PASSWORD

pytestmark = pytest.mark.browser

REPLY = '经核实，过期商品已全部下架，已为您办理退款并致歉。'


class Session(RPC):
    "A JSON-RPC session whose dates travel as the web client sends them"

    def _post(self, method, params, authorization):
        return super()._post(
            method, json.loads(json.dumps(params, cls=JSONEncoder)),
            authorization)


def answered_complaint(tryton_url):
    """Return the id of a complaint of Ms Qian (with her email) answered
    with a written reply"""
    clerk = Session(tryton_url, 'demo', 'clerk', DEMO_PASSWORD)
    handler = Session(tryton_url, 'demo', 'handler', DEMO_PASSWORD)
    category, = clerk.model('complaint.category', 'search',
        [('name', '=', '产品质量')], 0, 1, None)
    complaint, = clerk.model('complaint.complaint', 'create', [{
                'channel': 'phone',
                'complainant_name': '钱女士',
                'complainant_email': 'qian@example.com',
                'subject': '面包发霉',
                'description': '在人民路店买的吐司面包打开就有霉点。',
                'category': category,
                }])
    clerk.model('complaint.complaint', 'register', [complaint])
    handler.model('complaint.complaint', 'verify', [complaint])
    handler.model('complaint.complaint', 'write', [complaint], {
            'occurred_at': dt.datetime.now().replace(microsecond=0),
            'cause': '临期商品未及时下架。',
            })
    handler.model('complaint.complaint', 'plan', [complaint])
    handler.model('complaint.complaint', 'write', [complaint], {
            'investigation_duties': '店长调查。',
            'investigation_methods': '检查货架与出库记录。',
            'measures': '退货退款。',
            })
    handler.model('complaint.complaint', 'process', [complaint])
    handler.model('complaint.complaint', 'write', [complaint], {
            'feedbacks': [('create', [{
                            'method': 'email',
                            'content': '电话联系顾客致歉。',
                            'reply': REPLY,
                            }])],
            })
    handler.model('complaint.complaint', 'respond', [complaint])
    return complaint


def written_mail(demo_database, complaint, subject):
    "Return the mail about the complaint the server wrote, as it is sent"
    (message,), = demo_database.execute(
        'SELECT message FROM scheduled_activity_mail '
        'WHERE resource = ? AND subject LIKE ?',
        (f'complaint.complaint,{complaint}', f'%{subject}%')).fetchall()
    return email.message_from_bytes(message, policy=email.policy.default)


def test_survey_in_browser(page, tryton_url, demo_database, screenshot):
    complaint = answered_complaint(tryton_url)
    (number,), = demo_database.execute(
        'SELECT number FROM complaint_complaint WHERE id = ?',
        (complaint,)).fetchall()
    message = written_mail(demo_database, complaint, '的答复')
    assert message['To'] == 'qian@example.com'
    assert message['Subject'] == f'您的投诉 {number} 的答复'
    body = lxml.html.fromstring(
        message.get_body(('html',)).get_content())
    link = body.get_element_by_id('survey').get('href')
    assert re.search(
        r'/demo/complaint_plan/survey\?token=[\w-]{43}&lang=zh_CN$',
        link), link
    # The public address of the demo may be another host: the path is
    # opened on the test's server
    url = urllib.parse.urlsplit(link)
    page.goto(f'{tryton_url}{url.path}?{url.query}')

    expect(page.locator('#reply')).to_have_text(REPLY)
    expect(page.locator('#satisfied')).to_have_text('满意')
    expect(page.locator('#unsatisfied')).to_have_text('不满意')
    screenshot(page, 'complaint_mail_survey')

    page.fill('#comment', '希望店长当面道歉。')
    token = page.input_value('input[name="csrf_token"]')
    page.click('#unsatisfied')
    expect(page.locator('#survey-recorded')).to_contain_text('您的评价已记录')
    expect(page.locator('#survey-recorded')).to_contain_text('重新进入处理')
    screenshot(page, 'complaint_mail_survey_recorded')
    assert demo_database.execute(
        'SELECT f.satisfaction, f.comment, c.state, c.round '
        'FROM complaint_feedback f JOIN complaint_complaint c '
        'ON c.id = f.complaint WHERE c.id = ?',
        (complaint,)).fetchall() == [
        ('unsatisfied', '希望店长当面道歉。', 'verifying', 2)]

    # The form sent a second time with the browser's cookie, as a second
    # click does: recorded once
    again = page.request.post(f'{tryton_url}{url.path}?{url.query}',
        form={'csrf_token': token, 'lang': 'zh_CN', 'answer': 'satisfied'})
    assert again.status == 200
    assert '您对本次答复的评价此前已记录：不满意。' in again.text()
    # The link opened again shows the answer, without the buttons
    page.goto(f'{tryton_url}{url.path}?{url.query}')
    expect(page.locator('#survey-already')).to_have_text(
        '您对本次答复的评价此前已记录：不满意。')
    expect(page.locator('#survey-form')).to_have_count(0)
    screenshot(page, 'complaint_mail_survey_already')
    assert demo_database.execute(
        'SELECT satisfaction FROM complaint_feedback WHERE complaint = ?',
        (complaint,)).fetchall() == [('unsatisfied',)]


def test_staff_link_in_browser(page, login, tryton_url, demo_database,
        screenshot):
    """The manager gives the handler a call to make; the mail the handler
    gets opens that activity in the web client after login"""
    handler = Session(tryton_url, 'demo', 'handler', DEMO_PASSWORD)
    handler('model.res.user.set_preferences',
        {'email': 'zhangwei@example.com'}, handler.context)
    manager = Session(tryton_url, 'demo', 'manager', DEMO_PASSWORD)
    call, = manager.model('scheduled.activity.type', 'search',
        [('code', '=', 'call')], 0, 1, None)
    employee = handler.context['employee']
    activity, = manager.model('scheduled.activity', 'create', [{
                'type': call,
                'subject': '回访面包发霉的顾客',
                'assignee': employee,
                'due': dt.datetime.now().replace(microsecond=0)
                + dt.timedelta(days=1),
                }])

    (message,), = demo_database.execute(
        'SELECT message FROM scheduled_activity_mail '
        'WHERE recipients LIKE ? ORDER BY id DESC LIMIT 1',
        ('%zhangwei@example.com%',)).fetchall()
    message = email.message_from_bytes(message, policy=email.policy.default)
    assert message['Subject'] == '有活动指派给您：电话'
    body = lxml.html.fromstring(message.get_body(('html',)).get_content())
    link, = [a.get('href') for a in body.iter('a')]
    fragment = urllib.parse.urlsplit(link).fragment
    assert fragment == f'demo/model/scheduled.activity/{activity}', link

    # The server of the demo may be reached at another host: the record's
    # address is opened on the test's server
    login(page, 'handler', path=fragment[len('demo'):])
    form = page.locator('#tabs > div > .tab-pane.active .form')
    expect(form.locator('input[name=subject]')).to_have_value(
        '回访面包发霉的顾客')
    screenshot(page, 'staff_mail_link_activity')
