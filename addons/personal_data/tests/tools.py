# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers of the personal_data scenarios and tests"
import datetime as dt
import os

from proteus import Model


def close_complaint(complaint, content, comment=None,
        satisfaction='satisfied'):
    """Take the complaint through the workflow to closed, as the user of
    the configuration (a complaint manager), with the feedback given"""
    Employee = Model.get('company.employee')
    complaint.click('register')
    complaint.click('verify')
    complaint.occurred_at = complaint.received_at - dt.timedelta(hours=1)
    complaint.cause = "收银员不熟悉积分规则。"
    complaint.click('plan')
    complaint.investigation_team.append(
        Employee(complaint.responsible.id))
    complaint.investigation_methods = "调取监控，询问当事人。"
    complaint.measures = "向顾客道歉。"
    complaint.click('process')
    feedback = complaint.feedbacks.new()
    feedback.method = 'phone'
    feedback.content = content
    complaint.click('respond')
    feedback, = complaint.feedbacks
    feedback.satisfaction = satisfaction
    feedback.comment = comment
    complaint.click('close')
    return complaint


def statistics():
    "The complaint statistics as comparable rows"
    Statistic = Model.get('complaint.statistic')
    Month = Model.get('complaint.statistic.month')
    return (
        sorted((s.month, s.category.id, s.level.id, s.channel, s.complaints,
                s.responded, s.on_time, s.answered, s.satisfied)
            for s in Statistic.find([])),
        sorted((s.month, s.complaints, s.responded, s.on_time, s.answered,
                s.satisfied, s.sla_rate, s.satisfaction_rate)
            for s in Month.find([])))


def files_holding(folder, *values):
    "The files under folder whose content holds one of the values"
    found = []
    needles = [v.encode('utf-8') if isinstance(v, str) else v
        for v in values]
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, 'rb') as file:
                content = file.read()
            if any(n in content for n in needles):
                found.append(os.path.relpath(path, folder))
    return found
