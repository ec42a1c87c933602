"""P1: registering complaints costs little more than storing plain records.

On a scratch PostgreSQL database, create 10,000 complaints (number from the
sequence, level from the category, both deadlines) and compare with
creating 10,000 records of a bare model with the same columns and no
behaviour (the median of 3 runs each, alternated), and with a raw SQL
INSERT of the same rows.
"""
import datetime as dt
import importlib
import statistics

from benchmarks.scratch import (
    create_company, report, scratch_database, timed)

COUNT = 10_000
BATCH = 100
RUNS = 3
TARGET = 2.0


def bare_field(field):
    "A field storing the same column as field, without any behaviour"
    from trytond.model import fields
    if isinstance(field, fields.Many2One):
        return fields.Many2One(field.model_name, field.string)
    if isinstance(field, fields.Selection):
        selection = field.selection
        if isinstance(selection, str):
            return fields.Char(field.string)
        return fields.Selection(selection, field.string)
    if isinstance(field, fields.Reference):
        return fields.Char(field.string)
    if isinstance(field, fields.Numeric):
        return fields.Numeric(field.string)
    for type_ in [fields.Timestamp, fields.DateTime, fields.Date,
            fields.Integer, fields.Text, fields.Char, fields.Boolean]:
        if isinstance(field, type_):
            return type_(field.string)
    raise TypeError(field)


def register_bare_model():
    """A model with every column of complaint.complaint and no behaviour

    The columns are those of every class of complaint_plan that extends the
    complaint (the web form's key, the email's Message-ID, …)."""
    from trytond.model import ModelSQL, fields
    from trytond.pool import Pool

    columns = {}
    # Registered as 'file.Class' names
    for entry in Pool.classes['model']['complaint_plan']:
        file, class_name = entry.rsplit('.', 1)
        cls = getattr(importlib.import_module(
                f'trytond.modules.complaint_plan.{file}'), class_name)
        if vars(cls).get('__name__') != 'complaint.complaint':
            continue
        columns.update({
                name: bare_field(field) for name, field in vars(cls).items()
                if isinstance(field, fields.Field)
                and not isinstance(field, (
                        fields.Function, fields.One2Many, fields.Many2Many))})
    BareComplaint = type('BareComplaint', (ModelSQL,), {
            '__doc__': "Complaint columns without behaviour",
            '__name__': 'benchmark.bare_complaint',
            **columns})
    Pool.register(BareComplaint, module='complaint_plan', type_='model')


def complaint_values(company, category, start):
    return [{
            'company': company.id,
            'channel': 'phone',
            'received_at': start + dt.timedelta(minutes=i),
            'complainant_name': f"顾客{i}",
            'complainant_phone': '13800138000',
            'subject': f"投诉主题 {i}",
            'description': "顾客反映商品质量问题，要求退换。",
            'requested_remedy': "退货",
            'category': category.id,
            } for i in range(COUNT)]


def main():
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with scratch_database(['complaint_plan'], register_bare_model) as name:
        with Transaction().start(name, 1) as transaction:
            company = create_company()
            Category = Pool().get('complaint.category')
            category, = Category.search([('name', '=', "Product Quality")])
            level = category.get_default_level()
            level_id, acknowledgement_delay, resolution_delay = (
                level.id, level.acknowledgement_delay, level.resolution_delay)
            transaction.commit()
        start = dt.datetime(2026, 1, 1, 8, 0)
        values = complaint_values(company, category, start)
        bare_values = [{
                **v, 'number': f'TS-2026-{i:05d}', 'state': 'received',
                'round': 1, 'level': level_id,
                'acknowledgement_due': (
                    v['received_at'] + acknowledgement_delay),
                'resolution_due': v['received_at'] + resolution_delay,
                } for i, v in enumerate(values, 1)]

        def create(model, vlist):
            def run():
                with Transaction().start(name, 1, context={
                            'company': company.id}) as transaction:
                    Model = Pool().get(model)
                    for i in range(0, COUNT, BATCH):
                        Model.create(vlist[i:i + BATCH])
                    transaction.commit()
            return run

        def insert_sql():
            with Transaction().start(name, 1) as transaction:
                Complaint = Pool().get('complaint.complaint')
                table = Complaint.__table__()
                columns = list(bare_values[0])
                cursor = transaction.connection.cursor()
                for i in range(0, COUNT, BATCH):
                    cursor.execute(*table.insert(
                            [getattr(table, c) for c in columns],
                            [[v[c] for c in columns]
                                for v in bare_values[i:i + BATCH]]))
                transaction.commit()

        # Alternated, so that a slow moment of the machine weighs on both
        bare_timings, complaint_timings = [], []
        for _ in range(RUNS):
            bare_timings.append(
                timed(create('benchmark.bare_complaint', bare_values)))
            complaint_timings.append(
                timed(create('complaint.complaint', values)))
        bare = statistics.median(bare_timings)
        complaints = statistics.median(complaint_timings)
        raw = timed(insert_sql)
        with Transaction().start(name, 1):
            Complaint = Pool().get('complaint.complaint')
            assert Complaint.search_count([]) == (RUNS + 1) * COUNT
    print(f"P1 timings for {COUNT:,} records: complaints {complaints:.2f} s, "
        f"bare model {bare:.2f} s, raw SQL INSERT {raw:.2f} s")
    print(f"P1 complaints vs raw SQL INSERT: {complaints / raw:.1f}x "
        "(for information)")
    return report(
        "P1 creating complaints vs a bare model of the same width",
        complaints / bare, TARGET)


if __name__ == '__main__':
    main()
