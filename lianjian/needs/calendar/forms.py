"""Forms of the working-day calendar page: one day, pasted lines, a file."""

from __future__ import annotations

from django import forms

KINDS = [
    ("holiday", "休息（节假日或本地放假）"),
    ("workday", "上班（调休上班）"),
    ("reset", "恢复上级设置"),
]


class CalendarForm(forms.Form):
    date = forms.DateField(
        label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(label="类型", choices=KINDS)
    note = forms.CharField(label="说明", max_length=50, required=False)


class CalendarBulkForm(forms.Form):
    lines = forms.CharField(
        label="批量录入（每行一天）",
        max_length=60_000,
        widget=forms.Textarea(
            attrs={"rows": 8, "placeholder": "2026-10-01 休 国庆节\n2026-10-11 班 调休"}
        ),
        help_text="每行：日期 类型 说明，类型写“休”“班”或“恢复”；以空格、逗号或制表符分隔，可直接从 Excel 粘贴",
    )


class CalendarImportForm(forms.Form):
    file = forms.FileField(
        label="导入文件（.xlsx 或 CSV）",
        help_text="表头为“日期”“类型”“说明”，每行一天；CSV 可为 UTF-8 或 GBK 编码",
    )
