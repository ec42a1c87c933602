"""Demo data of scheduled_activity: an activity administrator, a team lead
and an assistant with activities overdue, due today and upcoming."""
import datetime as dt

from proteus import Model

from demo.base import make_user


def load(config):
    Configuration = Model.get(
        'scheduled.activity.configuration', config=config)
    Type = Model.get('scheduled.activity.type', config=config)
    Activity = Model.get('scheduled.activity', config=config)
    Employee = Model.get('company.employee', config=config)

    configuration = Configuration(1)
    configuration.remind_before = dt.timedelta(hours=1)
    configuration.escalate_after = dt.timedelta(days=1)
    configuration.save()

    call, = Type.find([('code', '=', 'call')])
    feedback, = Type.find([('code', '=', 'feedback')])
    call.follow_up_type = feedback
    call.follow_up_delay = dt.timedelta(days=2)
    call.save()
    meeting, = Type.find([('code', '=', 'meeting')])
    meeting.remind_before = dt.timedelta(minutes=30)
    meeting.save()

    make_user(
        'activity_admin', '何芳', ['scheduled_activity.group_activity_admin'],
        employee_name='何芳', config=config)
    _, lead = make_user(
        'team_lead', '吴强', [], employee_name='吴强', config=config)
    _, assistant = make_user(
        'assistant', '郑丽', [], employee_name='郑丽', config=config)
    assistant = Employee(assistant.id)
    assistant.supervisor = Employee(lead.id)
    assistant.save()

    now = dt.datetime.now().replace(second=0, microsecond=0)
    end_of_today = dt.datetime.combine(
        now.date() + dt.timedelta(days=1), dt.time())
    for type_, subject, due, note in [
            (call, '回访上周投诉的王女士', now - dt.timedelta(days=2),
                '确认退款是否已到账。'),
            (Type.find([('code', '=', 'document')])[0],
                '整理三月份客诉台账', now - dt.timedelta(hours=3), None),
            (meeting, '门店卫生周例会', now + (end_of_today - now) / 2,
                '准备上周检查结果。'),
            (Type.find([('code', '=', 'inspection')])[0],
                '抽查五一广场店冷柜', now + dt.timedelta(days=3), None),
            (Type.find([('code', '=', 'verification')])[0],
                '核实供应商资质文件', now + dt.timedelta(days=5), None),
            ]:
        Activity(
            type=type_, subject=subject, assignee=Employee(assistant.id),
            due=due, note=note).save()
