"""Human-readable terminal output for the command line (rich tables and panels).

Korean text is measured by display width by rich, so columns stay aligned and words are not cut
in the middle of a syllable block.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.domain import IngestStatus, SourceReport, StoredPost
from bot.i18n import t

STATUS_STYLE = {
    IngestStatus.ADDED: "green",
    IngestStatus.UPDATED: "yellow",
    IngestStatus.UNCHANGED: "dim",
}


def _date(post: StoredPost) -> str:
    return post.published.date().isoformat() if post.published else "—"


def print_reports(console: Console, reports: Sequence[SourceReport], lang: str) -> None:
    """One line per source, note and post. Lines are never wrapped by us (``soft_wrap``): a
    failed source's error must stay one line naming the source, also when piped to a log."""
    for report in reports:
        if not report.ok:
            label = t("ingest.failed", lang)
            console.print(
                f"[red]✗ {escape(report.source)}[/]: {label}: {escape(report.error or '')}",
                soft_wrap=True,
            )
            continue
        console.print(f"[bold]✓ {escape(report.source)}[/]", soft_wrap=True)
        for note in report.notes:
            console.print(f"    [cyan]ℹ {escape(note)}[/]", soft_wrap=True)
        for saved in report.posts:
            style = STATUS_STYLE[saved.status]
            status = t(f"status.{saved.status.value}", lang)
            console.print(
                f"    [{style}]{status:<10}[/] #{saved.post_id:<5} {escape(saved.title)}",
                soft_wrap=True,
            )


def summary_counts(reports: Sequence[SourceReport]) -> dict[str, int]:
    counts = {"sources": len(reports), "added": 0, "updated": 0, "unchanged": 0, "failed": 0}
    for report in reports:
        if not report.ok:
            counts["failed"] += 1
        for saved in report.posts:
            counts[saved.status.value] += 1
    return counts


def print_post_list(console: Console, posts: Sequence[StoredPost], lang: str) -> None:
    if not posts:
        console.print(t("list.empty", lang))
        return
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column(t("col.id", lang), justify="right", style="cyan", no_wrap=True)
    table.add_column(t("col.date", lang), no_wrap=True)
    table.add_column(t("col.title", lang), overflow="fold")
    table.add_column(t("col.film", lang), overflow="fold")
    table.add_column(t("col.category", lang), overflow="fold")
    for post in posts:
        title = escape(post.title)
        if post.stub:
            title = f"[dim]{title} ({t('label.stub', lang)})[/]"
        table.add_row(
            str(post.id),
            _date(post),
            title,
            escape(post.film or ""),
            escape(" > ".join(post.category)),
        )
    console.print(table)
    console.print(f"[dim]{t('list.count', lang, count=len(posts))}[/]")


def print_post(console: Console, post: StoredPost, lang: str) -> None:
    console.print(f"[bold cyan]#{post.id}[/] [bold]{escape(post.title)}[/]", soft_wrap=True)
    meta = [_date(post)]
    if post.film:
        meta.append(f"🎬 {escape(post.film)}" + (f" ({post.film_year})" if post.film_year else ""))
    if post.category:
        meta.append(escape(" > ".join(post.category)))
    console.print("[dim]" + " · ".join(meta) + "[/]")
    if post.url:
        console.print(f"[blue underline]{escape(post.url)}[/]", soft_wrap=True)  # copyable
    if post.stub:
        console.print(f"[yellow]{t('label.stub', lang)}[/]")
    if post.teaser:
        console.print(f"[yellow]{t('label.teaser', lang)}[/]")
    if post.themes:
        console.print(f"[magenta]{t('label.themes', lang)}:[/] " + escape(", ".join(post.themes)))
    if post.tags:
        console.print(f"[magenta]{t('label.tags', lang)}:[/] " + escape(", ".join(post.tags)))
    for section in post.sections:
        console.print()
        heading = section.heading or t("label.intro", lang)
        console.print(f"[bold green]{escape(heading)}[/]")
        console.print(escape(section.text))
    if post.related:
        console.print()
        console.print(f"[bold]{t('label.related', lang)}[/]")
        for rel in post.related:
            bits = [escape(rel.title)]
            if rel.published:
                bits.append(rel.published.isoformat())
            if rel.comments is not None:
                bits.append(t("label.comments", lang, n=rel.comments))
            ref = f"#{rel.post_id}" if rel.post_id is not None else "—"
            stub = f" [dim]({t('label.stub', lang)})[/]" if rel.stub else ""
            console.print(f"  [cyan]{ref:>5}[/] " + " · ".join(bits) + stub)
