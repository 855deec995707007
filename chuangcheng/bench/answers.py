"""The yardsticks of the list scenarios: each page's answer computed by ONE hand-written SQL
statement — the rows with every field the page shows (names of what they point to, nested lists,
the derived deadline figures), the total the pager shows and the page's summary counts — built
as the JSON document in PostgreSQL, so the database does all the work the page asks of it.

Left out, and said so in docs/performance.md: display labels (the code's translations) and the
caller's ``allowed_actions`` (the workflow table's predicates), which only the application knows.
"""

# Expected progress of each task of ``page`` (Task.expected_progress: linear from the start date).
_EXPECTED = """), figures AS (
    SELECT p.id, CASE
        WHEN %(today)s >= p.deadline THEN 100
        WHEN %(today)s <= p.start_date OR p.deadline <= p.start_date THEN 0
        ELSE round(100.0 * (%(today)s - p.start_date) / (p.deadline - p.start_date))::int END AS expected
    FROM page p
)
"""

# GET /api/v1/tasks/?owner_unit=…&page_size=50 (TaskSerializer's fields, in its order).
TASKS_PAGE = (
    """
WITH page AS (
    SELECT t.* FROM tasks_task t WHERE t.owner_unit_id = %(unit)s ORDER BY t.deadline, t.id LIMIT 50
"""
    + _EXPECTED
    + """SELECT json_build_object(
    'count', (SELECT count(*) FROM tasks_task WHERE owner_unit_id = %(unit)s),
    'results', coalesce(json_agg(json_build_object(
        'id', p.id, 'number', p.number, 'title', p.title, 'completion_standard', p.completion_standard,
        'campaign', p.campaign_id, 'campaign_name', c.name,
        'indicators', (SELECT coalesce(json_agg(json_build_object('id', i.id, 'code', i.code, 'name', i.name)
                ORDER BY i.sort_key, i.id), '[]'::json)
            FROM tasks_task_indicators ti JOIN campaigns_indicator i ON i.id = ti.indicator_id WHERE ti.task_id = p.id),
        'owner_unit', p.owner_unit_id, 'owner_unit_name', ou.name, 'lead_unit', p.lead_unit_id, 'lead_unit_name', lu.name,
        'cooperating_units', (SELECT coalesce(json_agg(json_build_object('id', u.id, 'name', u.name)
                ORDER BY u.name, u.id), '[]'::json)
            FROM tasks_task_cooperating_units tc JOIN org_unit u ON u.id = tc.unit_id WHERE tc.task_id = p.id),
        'region', p.region_id, 'region_name', r.name, 'responsible_leader', p.responsible_leader_id,
        'responsible_leader_name', coalesce((SELECT coalesce(nullif(l.display_name, ''),
                nullif(trim(l.first_name || ' ' || l.last_name), ''), l.username)
            FROM org_user l WHERE l.id = p.responsible_leader_id), p.responsible_leader_name),
        'contact_name', p.contact_name, 'contact_phone', p.contact_phone,
        'start_date', p.start_date, 'deadline', p.deadline, 'priority', p.priority, 'recurrence', p.recurrence,
        'evidence_required', p.evidence_required, 'state', p.state, 'progress', p.progress,
        'expected_progress', f.expected,
        'lag', CASE WHEN p.state = 'done' THEN 0 ELSE greatest(0, f.expected - p.progress) END,
        'is_overdue', p.state <> 'done' AND p.deadline < %(today)s,
        'days_left', p.deadline - %(today)s,
        'traffic_light', CASE WHEN p.state = 'done' THEN 'done' WHEN p.deadline < %(today)s THEN 'red'
            WHEN p.deadline - %(today)s <= 3 OR greatest(0, f.expected - p.progress) >= 20 THEN 'yellow'
            ELSE 'green' END,
        'parent', p.parent_id, 'parent_title', (SELECT pt.title FROM tasks_task pt WHERE pt.id = p.parent_id),
        'children_count', (SELECT count(*) FROM tasks_task ch WHERE ch.parent_id = p.id),
        'submitted_at', p.submitted_at, 'done_at', p.done_at, 'last_reported_at', p.last_reported_at,
        'created_at', p.created_at, 'updated_at', p.updated_at
    ) ORDER BY p.deadline, p.id), '[]'::json))
FROM page p JOIN figures f ON f.id = p.id
JOIN campaigns_campaign c ON c.id = p.campaign_id JOIN org_unit ou ON ou.id = p.owner_unit_id
LEFT JOIN org_unit lu ON lu.id = p.lead_unit_id LEFT JOIN org_region r ON r.id = p.region_id
"""
)

# GET /tasks/mine/ (我的待办): the page's cards (the fields a card shows), the pager's total, the
# summary line (open, overdue, per state) and the bell's unread count.
MY_WORK_PAGE = (
    """
WITH mine AS NOT MATERIALIZED (
    SELECT t.* FROM tasks_task t WHERE t.owner_unit_id = ANY(%(units)s) AND t.state <> 'done'
), page AS (
    SELECT * FROM mine ORDER BY deadline, priority DESC, id LIMIT 50
"""
    + _EXPECTED
    + """SELECT json_build_object(
    'count', (SELECT count(*) FROM mine),
    'summary', (SELECT json_build_object('total', count(*),
        'overdue', count(*) FILTER (WHERE deadline < %(today)s),
        'pending', count(*) FILTER (WHERE state = 'pending'),
        'in_progress', count(*) FILTER (WHERE state = 'in_progress'),
        'submitted', count(*) FILTER (WHERE state = 'submitted')) FROM mine),
    'unread', (SELECT count(*) FROM notifications_notice n WHERE n.recipient_id = %(user)s AND n.read_at IS NULL),
    'cards', coalesce(json_agg(json_build_object(
        'id', p.id, 'title', p.title, 'state', p.state, 'lead_unit_name', lu.name, 'deadline', p.deadline,
        'progress', p.progress, 'expected', f.expected,
        'lag', greatest(0, f.expected - p.progress),
        'days_left', p.deadline - %(today)s,
        'light', CASE WHEN p.deadline < %(today)s THEN 'red'
            WHEN p.deadline - %(today)s <= 3 OR greatest(0, f.expected - p.progress) >= 20 THEN 'yellow'
            ELSE 'green' END,
        'campaign', c.name, 'owner_unit', ou.name, 'region', r.name,
        'parent_title', (SELECT pt.title FROM tasks_task pt WHERE pt.id = p.parent_id)
    ) ORDER BY p.deadline, p.priority DESC, p.id), '[]'::json))
FROM page p JOIN figures f ON f.id = p.id
JOIN campaigns_campaign c ON c.id = p.campaign_id JOIN org_unit ou ON ou.id = p.owner_unit_id
LEFT JOIN org_unit lu ON lu.id = p.lead_unit_id LEFT JOIN org_region r ON r.id = p.region_id
"""
)

# GET /api/v1/issues/?region=…&state=…&page_size=50 (IssueSerializer's fields, in its order).
ISSUES_PAGE = """
WITH matching AS NOT MATERIALIZED (
    SELECT i.* FROM inspections_issue i JOIN org_region g ON g.id = i.region_id
    WHERE g.path LIKE %(path)s AND i.state = %(state)s
), page AS (
    SELECT * FROM matching ORDER BY created_at DESC, id DESC LIMIT 50
)
SELECT json_build_object(
    'count', (SELECT count(*) FROM matching),
    'results', coalesce(json_agg(json_build_object(
        'id', p.id, 'campaign', p.campaign_id, 'campaign_name', c.name, 'inspection', p.inspection_id,
        'indicator', p.indicator_id, 'site', p.site_id, 'site_name', s.name,
        'category', json_build_object('id', cat.id, 'code', cat.code, 'name', cat.name),
        'severity', p.severity, 'urgent', p.urgent, 'source', p.source, 'state', p.state,
        'description', p.description, 'address', p.address, 'latitude', p.latitude, 'longitude', p.longitude,
        'region', json_build_object('id', r.id, 'name', r.name, 'path', r.path, 'full_name',
            (SELECT string_agg(a.name, '' ORDER BY a.path) FROM org_region a
             WHERE a.id = ANY(string_to_array(trim(BOTH '/' FROM r.path), '/')::bigint[]))),
        'responsible_unit', CASE WHEN u.id IS NULL THEN NULL ELSE json_build_object('id', u.id, 'name', u.name) END,
        'assigned_at', p.assigned_at, 'sign_deadline', p.sign_deadline, 'signed_at', p.signed_at,
        'rectification_deadline', p.rectification_deadline, 'deadline_set_by_supervisor', p.deadline_set_by_supervisor,
        'overdue', p.state IN ('assigned', 'rectifying') AND p.rectification_deadline < %(now)s,
        'traffic_light', CASE WHEN p.state IN ('closed', 'dismissed', 'merged') THEN 'done'
            WHEN p.rectification_deadline IS NULL OR p.state NOT IN ('assigned', 'rectifying') THEN ''
            WHEN p.rectification_deadline < %(now)s THEN 'red'
            WHEN p.rectification_deadline - %(now)s <= interval '1 day' THEN 'yellow' ELSE 'green' END,
        'submitted_at', p.submitted_at, 'measures', p.measures, 'closed_at', p.closed_at,
        'rework_count', p.rework_count, 'recurrence_count', p.recurrence_count, 'extension_count', p.extension_count,
        'pending_request', p.pending_request, 'request_reason', p.request_reason,
        'requested_deadline', p.requested_deadline, 'merged_into', p.merged_into_id, 'dismiss_reason', p.dismiss_reason,
        'long_term_plan', p.long_term_plan, 'long_term_target_date', p.long_term_target_date,
        'possible_recurrence_of', p.possible_recurrence_of_id,
        'created_by_name', (SELECT coalesce(nullif(cb.display_name, ''),
                nullif(trim(cb.first_name || ' ' || cb.last_name), ''), cb.username)
            FROM org_user cb WHERE cb.id = p.created_by_id),
        'created_at', p.created_at, 'updated_at', p.updated_at,
        'photos', (SELECT coalesce(json_agg(json_build_object('id', ph.id, 'kind', ph.kind, 'event', ph.event_id,
                'original_name', ph.original_name, 'width', ph.width, 'height', ph.height, 'size', ph.size,
                'exif_taken_at', ph.exif_taken_at, 'duplicate_of', ph.duplicate_of_id,
                'taken_before_issue', ph.taken_before_issue, 'created_at', ph.created_at,
                'url', '/api/v1/issues/' || p.id || '/photos/' || ph.id || '/file/',
                'thumbnail_url', '/api/v1/issues/' || p.id || '/photos/' || ph.id || '/thumbnail/')
                ORDER BY ph.id), '[]'::json)
            FROM inspections_photo ph WHERE ph.issue_id = p.id)
    ) ORDER BY p.created_at DESC, p.id DESC), '[]'::json))
FROM page p
JOIN campaigns_campaign c ON c.id = p.campaign_id
JOIN inspections_issuecategory cat ON cat.id = p.category_id
JOIN org_region r ON r.id = p.region_id
LEFT JOIN org_unit u ON u.id = p.responsible_unit_id
LEFT JOIN org_site s ON s.id = p.site_id
"""
