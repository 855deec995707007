"""What ``seed_demo`` runs after building the demo city, in order (each app adds its own): settings'
``DEMO_SEED_COMMANDS``. An entry is a command name, or [name, *arguments]."""

SEED_COMMANDS = [
    "seed_demo_tasks",
    "seed_demo_issues",
    # 模拟测评: its issues are counted in the daily figures and 短板, and the monthly 月考评 prints
    # the rounds — so before the daily figures are built.
    "seed_demo_evaluations",
    ["refresh_daily_stats", "--days", "90"],
    # Last week's published (the unit view's rank history reads it); yesterday's 金水区 daily as
    # a draft for the office to review, the other dailies auto-published (the default rule).
    [
        "build_briefing",
        "weekly",
        "--publish",
        "--requirements",
        "各责任单位对照超期未改问题清单逐一整改销号，本周五前报送整改情况；各区创建办加强巡查，防止问题反弹。",
    ],
    ["build_briefing", "daily", "--draft", "--region", "410105"],
    ["build_briefing", "daily"],
    "seed_demo_dossiers",
    "seed_demo_accountability",
    # Last month's 月考评 (drafts for the office): it prints the demo's 约谈、问责 and 表扬 of last
    # month and the 档案资料 section — so built after them.
    ["build_briefing", "monthly"],
]
