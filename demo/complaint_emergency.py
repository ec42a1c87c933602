"""Demo data of complaint_emergency: the seven plans of the source document
with their leading and handling groups, duty roster, resources and a drill
each, and an incident activated by a complaint drawing media attention.

Loaded after demo/complaint_plan.py, whose users it uses."""
import datetime as dt

from proteus import Model

LEADERS = ['leader1', 'leader2', 'leader3', 'leader4', 'leader5']
HANDLERS = ['handler', 'handler2']

PLANS = [
    # name, categories, levels, conditions, count, window (hours),
    # on level, on media, scope, drill kind, findings
    ('投诉受理应急处置预案', [], [],
        '接到重大投诉或投诉数量短时间内明显上升时，立即启动本预案，'
        '保证投诉得到及时的响应和处理。',
        10, 24, False, False,
        '适用于通过电话、在线、信函、现场等渠道受理的各类投诉，'
        '明确投诉的受理程序和流程。',
        'comprehensive', '受理登记流程清晰，夜间值班人员对分级标准不够熟悉。'),
    ('安全事故客诉处置预案', ['category_safety'], [],
        '发生涉及人身安全的事故客诉（一级）时，立即上报领导小组并启动本预案。',
        None, None, True, False,
        '适用于公司内部员工、客户及其他相关方在安全事故中提出的投诉、'
        '举报和咨询。',
        'special', '事故调查组组建迅速，赔偿方案审批时间偏长。'),
    ('服务投诉应急处置预案', ['category_service', 'category_staff_conduct'], [],
        '1. 投诉数量达到一定规模，可能对企业和消费者造成重大影响；'
        '2. 投诉涉及企业重大利益，可能引发媒体关注。',
        5, 24, False, True,
        '适用于本企业内部各部门及全体员工，适用于各类服务投诉的应急处置。',
        'onsite', '门店现场接待规范，对媒体问询的统一口径需要加强。'),
    ('事故投诉应急预案', ['category_product_quality', 'category_hygiene'], [],
        '发生事故投诉时，由事故投诉处理办公室登记分类，'
        '重大事故投诉报领导小组审批处理。',
        3, 24, True, False,
        '适用于本单位发生的各类事故投诉的处理。',
        'special', '各部门配合顺畅，法务部意见反馈需提速。'),
    ('投诉突发事件应急处置预案', [], ['level_1', 'level_2'],
        '一级事件：涉及重大损失、严重违法行为或危及人身安全；'
        '二级事件：涉及较大损失、违法行为或可能引起较大公众关注。',
        None, None, False, True,
        '适用于按性质和严重程度分级的投诉突发事件，按级别调配应急资源。',
        'comprehensive', '应急资源调配到位，事后评估与预案改进已形成记录。'),
    ('投诉应急预案', ['category_billing', 'category_other'], [],
        '对于重大投诉事件，应立即启动应急处理流程，组织相关部门进行调查核实，'
        '并及时向公司高层领导汇报。',
        5, 48, False, True,
        '适用于公司各类投诉事件的接收、调查核实、处理结果反馈和事后处理。',
        'training', '全员培训覆盖率 95%，法律问题咨询流程已明确。'),
    ('服务投诉处理应急预案', ['category_service'], [],
        '同类服务投诉在 24 小时内达到 8 起时启动本预案。',
        8, 24, False, False,
        '适用于日常经营中可能出现的各种服务问题和突发情况，'
        '明确负责处理投诉的人员及其联系方式。',
        'onsite', '客户反馈机制运行良好，投诉数据统计分析需按月开展。'),
    ]

DUTIES = [
    # offset in days, start hour, hours, login, role
    (0, 8, 12, 'handler', '白班值班员'),
    (0, 20, 12, 'handler2', '夜班值班员'),
    (0, 8, 24, 'leader1', '值班领导'),
    ]

RESOURCES = [
    # name, quantity, holder
    ('应急备用金（元）', 50000, 'manager'),
    ('应急车辆', 2, 'handler2'),
    ('应急公关小组（人）', 4, 'leader2'),
    ]


def load(config):
    Plan = Model.get('complaint.emergency_plan', config=config)
    Category = Model.get('complaint.category', config=config)
    Level = Model.get('complaint.level', config=config)
    Employee = Model.get('company.employee', config=config)
    User = Model.get('res.user', config=config)
    ModelData = Model.get('ir.model.data', config=config)
    Complaint = Model.get('complaint.complaint', config=config)
    Incident = Model.get('complaint.incident', config=config)

    def employee(login):
        user, = User.find([('login', '=', login)])
        return Employee(user.employee.id)

    def record(Model_, fs_id):
        return Model_(ModelData.get_id('complaint_plan', fs_id, {}))

    today = dt.date.today()
    now = dt.datetime.now().replace(minute=0, second=0, microsecond=0)
    for (name, categories, levels, conditions, count, window, on_level,
            on_media, scope, drill_kind, findings) in PLANS:
        plan = Plan(
            name=name, owner=employee('manager'), scope=scope,
            effective_date=today - dt.timedelta(days=300),
            activation_conditions=conditions, activation_count=count,
            activation_window=dt.timedelta(hours=window) if window else None,
            activate_on_level=on_level, activate_on_media=on_media)
        for fs_id in categories:
            plan.categories.append(record(Category, fs_id))
        for fs_id in levels:
            plan.levels.append(record(Level, fs_id))
        for login in LEADERS:
            plan.leaders.append(employee(login))
        for login in HANDLERS:
            plan.handlers.append(employee(login))
        for days, hour, hours, login, role in DUTIES:
            start = dt.datetime.combine(
                today + dt.timedelta(days=days), dt.time(hour))
            plan.duties.new(start=start,
                end=start + dt.timedelta(hours=hours),
                employee=employee(login), role=role)
        for resource, quantity, holder in RESOURCES:
            plan.dispatch_resources.new(
                name=resource, quantity=quantity, holder=employee(holder))
        drill = plan.drills.new(
            date=today - dt.timedelta(days=200), kind=drill_kind,
            findings=findings)
        for login in ['leader1', 'handler', 'handler2']:
            drill.participants.append(employee(login))
        plan.save()

    # A customer's video about the queue at the checkout draws media
    # attention and activates the service complaints plan
    complaint = Complaint(
        channel='social_media', received_at=now - dt.timedelta(hours=2),
        complainant_name='钱先生', complainant_phone='13200006666',
        subject='顾客在短视频平台发布结账排队视频',
        description='晚高峰五一广场店仅开放两个收银台，顾客排队四十分钟，'
        '视频播放量已超过十万。',
        requested_remedy='公开说明并改进',
        category=record(Category, 'category_service'), media_attention=True)
    complaint.save()
    incident, = Incident.find([('state', '=', 'active')])
    for hours, kind, description, login in [
            (1, 'action', '召开领导小组视频会议，启动服务投诉应急处置预案。',
                'leader1'),
            (1, 'resource', '调派应急公关小组赶赴五一广场店。', 'leader2'),
            (0, 'communication', '在官方微博发布情况说明并致歉。', 'leader2'),
            ]:
        incident.actions.new(
            time=now - dt.timedelta(hours=hours), kind=kind,
            description=description, by=employee(login))
    incident.save()
