"""Writing the comparison: ``results.md`` (the table and how it was
computed), ``results.csv`` (one row per config), ``runs.csv`` (one per
run), ``results.png`` (bars per config) and ``curves.png`` (validation Dice
against iterations, per run). matplotlib is imported only to draw."""
import csv
import os
import os.path as osp
from typing import List, Optional, Sequence

from emda.benchmarking.collect import (LABEL_FREE_KEY, METRICS,
                                       validation_history)


def format_score(mean: Optional[float], std: Optional[float]) -> str:
    """``0.812 ± 0.010``; the mean alone without a std; '-' when none."""
    if mean is None:
        return '-'
    return f'{mean:.3f}' if std is None else f'{mean:.3f} ± {std:.3f}'


def row_status(row: dict) -> str:
    if row['status'] == 'ok':
        return 'ok'
    failed = row['n_runs'] - row['n_seeds']
    label = 'failed' if row['status'] == 'failed' else f'{failed} failed'
    return f'{label}: {row["error"]}'


def to_markdown(rows: Sequence[dict], title: str = 'Comparison') -> str:
    """The results table with a note on how the numbers were obtained."""
    label_free = any('label_free_Dice_mean' in row for row in rows)
    header = [
        'method', 'config', 'target supervision', 'seeds', *METRICS,
        *(['Dice (label-free selection)'] if label_free else []),
        'wall time (min/run)', 'status'
    ]
    lines = [
        f'# {title}', '',
        'Per-slice scores on the labeled target validation split. For each '
        'seed the best-Dice validation is taken (model selection on that '
        'same labeled split, as the papers do), then mean ± sample standard '
        'deviation over the seeds that succeeded (the mean alone with one '
        'seed).' +
        (' Dice (label-free selection): the same split\'s Dice '
         'at the validation where the run\'s label-free score '
         f'({LABEL_FREE_KEY}, no target labels) peaked, or at the last '
         'validation for a run that logs no such score and chooses no '
         'weights by target labels (the final checkpoint): what a user '
         'without labels would have picked; "-" for a run whose rounds '
         'start from the best labeled checkpoint.' if label_free else '') +
        ' Wall time: mean minutes per successful run.', '',
        '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)
    ]
    for row in rows:
        seeds = str(row['n_seeds'])
        if row['n_seeds'] != row['n_runs']:
            seeds = f'{row["n_seeds"]} of {row["n_runs"]}'
        wall = row['wall_min_mean']
        cells = [
            row['method'], row['config'], row['target_supervision'], seeds, *[
                format_score(row[f'{m}_mean'], row[f'{m}_std'])
                for m in METRICS
            ], *([
                format_score(
                    row.get('label_free_Dice_mean'),
                    row.get('label_free_Dice_std'))
            ] if label_free else []), '-' if wall is None else f'{wall:.1f}',
            row_status(row)
        ]
        lines.append('| ' +
                     ' | '.join(str(c).replace('|', '\\|')
                                for c in cells) + ' |')
    return '\n'.join(lines) + '\n'


def _csv_value(value):
    if value is None:
        return ''
    return round(value, 6) if isinstance(value, float) else value


def write_csv(path: str, records: Sequence[dict]) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows({
            k: _csv_value(v)
            for k, v in r.items()
        } for r in records)


def markdown_table(rows: Sequence[dict]) -> str:
    """``rows`` (dicts with the same keys) as a markdown table."""
    cols = list(rows[0])
    lines = ['| ' + ' | '.join(cols) + ' |', '|' + '---|' * len(cols)]
    lines += ['| ' + ' | '.join(str(r[c]) for c in cols) + ' |' for r in rows]
    return '\n'.join(lines) + '\n'


def print_table_and_csv(rows: Sequence[dict], out: str) -> None:
    """Print ``rows`` (dicts with the same keys) as a markdown table and
    write them to the CSV ``out``: the output of the benchmark scripts."""
    print(markdown_table(rows), end='')
    write_csv(out, rows)
    print(f'written {out}')


def write_benchmark_report(rows: Sequence[dict], out: str, header: str) -> str:
    """``header`` and ``rows`` as a markdown table, printed and written to
    ``out.md``, the rows also to ``out.csv``: the results files of the
    benchmark scripts. Returns the markdown."""
    text = header + markdown_table(rows)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out + '.md', 'w') as f:
        f.write(text)
    write_csv(out + '.csv', rows)
    print(text)
    print(f'written {out}.md and {out}.csv')
    return text


def run_records(per_run: Sequence[tuple]) -> List[dict]:
    """One record per run for ``runs.csv``."""
    return [
        dict(
            config=run.config.stem,
            seed='' if result.seed is None else result.seed,
            status=result.status,
            best_iter=result.best_iter,
            **{m: result.metrics.get(m)
               for m in METRICS},
            **({} if all(r.label_free_Dice is None
                         for _, r in per_run) else dict(
                             label_free_Dice=result.label_free_Dice)),
            wall_s=result.wall_s,
            error=result.error,
            run_dir=result.run_dir) for run, result in per_run
    ]


def chart_labels(rows: Sequence[dict]) -> List[str]:
    """Method names, made unique where a method has several configs by the
    parts of the config name (``_``-separated: variant, network, schedule,
    data) in which those configs differ, e.g. ``ipl-cfcl-uda`` or
    ``2x2-3k``."""
    parts = {r['config']: r['config'].split('_') for r in rows}
    labels = []
    for row in rows:
        same = [
            parts[r['config']] for r in rows if r['method'] == row['method']
        ]
        if len(same) == 1:
            labels.append(row['method'])
            continue
        width = max(len(p) for p in same)
        padded = [p + [''] * (width - len(p)) for p in same]
        mine = parts[row['config']] + [''] * (
            width - len(parts[row['config']]))
        differing = [
            mine[k] for k in range(width)
            if len({p[k]
                    for p in padded}) > 1 and mine[k]
        ]
        labels.append(f'{row["method"]}\n' +
                      (' '.join(differing) or row['config']))
    return labels


def plot_results(rows: Sequence[dict],
                 path: str,
                 title: str = 'Comparison') -> None:
    """Grouped bars (one group per config, one bar per metric) with std
    error bars; a config without scores is labeled 'failed'."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(max(6.0, 1.5 * len(rows) + 2), 4.8))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / len(METRICS)
    for k, metric in enumerate(METRICS):
        offset = (k - (len(METRICS) - 1) / 2) * width
        scored = [(i + offset, r[f'{metric}_mean'], r[f'{metric}_std'])
                  for i, r in enumerate(rows)
                  if r[f'{metric}_mean'] is not None]
        ax.bar([x for x, _, _ in scored], [m for _, m, _ in scored],
               width,
               label=metric)
        spread = [(x, m, s) for x, m, s in scored if s is not None]
        if spread:  # error bars only where there are several seeds
            ax.errorbar([x for x, _, _ in spread], [m for _, m, _ in spread],
                        yerr=[s for _, _, s in spread],
                        fmt='none',
                        ecolor='black',
                        capsize=3)
    for i, row in enumerate(rows):
        if row['status'] == 'failed':
            ax.text(
                i,
                0.5,
                'failed',
                ha='center',
                va='center',
                rotation=90,
                color='tab:red',
                fontsize=12)
    ax.set_xlim(-0.5, len(rows) - 0.5)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(chart_labels(rows), fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel('target validation score')
    ax.set_title(title)
    ax.legend(ncol=len(METRICS), loc='upper center', frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=150)


def plot_curves(rows: Sequence[dict],
                per_run: Sequence[tuple],
                path: str,
                title: str = 'Comparison') -> None:
    """Validation Dice against the run's iterations, one line per run
    (a config's seeds share a colour), so a reader sees when each method
    peaked and whether it was still rising."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(9, 5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = dict(
        zip([r['config_path'] for r in rows],
            [label.replace('\n', ' ') for label in chart_labels(rows)]))
    # ten colours, then the next line style
    index = {r['config_path']: i for i, r in enumerate(rows)}
    styles = ['-', '--', ':', '-.']
    labelled = set()
    for run, _ in per_run:
        points = [(int(r.get('step', 0)), float(r['Dice']))
                  for r in validation_history(run.run_dir)]
        if not points:
            continue
        config = run.config.path
        k = index.get(config, len(index))
        ax.plot([x for x, _ in points], [y for _, y in points],
                marker='o',
                markersize=3,
                color=f'C{k % 10}',
                linestyle=styles[k // 10 % len(styles)],
                label=None if config in labelled else labels.get(
                    config, run.config.stem))
        labelled.add(config)
    ax.set_xlabel('iterations of the run (a run loaded from a checkpoint '
                  'starts at 0)')
    ax.set_ylabel('target validation Dice')
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.set_title(f'{title}: validation during training')
    if labelled:
        ax.legend(fontsize=7, loc='lower right', ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=150)


def write_outputs(rows: Sequence[dict], per_run: Sequence[tuple], out_dir: str,
                  title: str) -> str:
    """``results.md``, ``results.csv``, ``runs.csv``, ``results.png`` and
    ``curves.png``; returns the markdown."""
    os.makedirs(out_dir, exist_ok=True)
    markdown = to_markdown(rows, title)
    with open(osp.join(out_dir, 'results.md'), 'w') as f:
        f.write(markdown)
    write_csv(osp.join(out_dir, 'results.csv'), rows)
    write_csv(osp.join(out_dir, 'runs.csv'), run_records(per_run))
    plot_results(rows, osp.join(out_dir, 'results.png'), title)
    plot_curves(rows, per_run, osp.join(out_dir, 'curves.png'), title)
    return markdown
