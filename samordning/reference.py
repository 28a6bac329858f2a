"""Reference data every installation starts with (DOMAIN.md). The data migrations
froze a copy of these lists; this is the list code uses to make sure they exist."""

BUSINESS_AREAS: list[tuple[str, str]] = [
    ("transport", "Transport"),
    ("snickeri", "Snickeri"),
    ("tradgard", "Trädgårdsskötsel"),
    ("cafe", "Café"),
    ("restaurang", "Restaurang"),
    ("stad", "Städ"),
    ("second-hand", "Second hand"),
    ("tvatteri", "Tvätteri"),
    ("kontor", "Kontor/administration"),
    ("annat", "Annat"),
]
