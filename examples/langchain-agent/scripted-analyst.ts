// The offline stand-in for a real model: a recorded conversation of a data analyst, replayed by
// LangChain's own fakeModel(). Its tool calls run for real in the sandbox; its final answer
// quotes the line the analysis printed there, so nothing in the output is made up.
import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from 'langchain';

const lookAtTheData = `import pandas as pd
df = pd.read_csv("/home/user/sales_2025.csv", parse_dates=["month"])
print(df.shape)
print(df.head().to_string(index=False))`;

const compareQuarters = `df["quarter"] = df["month"].dt.quarter
by_quarter = df.pivot_table(index="region", columns="quarter", values="revenue", aggfunc="sum")
by_quarter["growth %"] = (by_quarter[4] / by_quarter[1] - 1) * 100
print(by_quarter.round(1).sort_values("growth %", ascending=False).to_string())
best = by_quarter["growth %"].idxmax()
print(f"{best} grew most: {by_quarter.loc[best, 'growth %']:.1f}% "
      f"(Q1 \${by_quarter.loc[best, 1]:,.0f} -> Q4 \${by_quarter.loc[best, 4]:,.0f})")`;

const drawTheChart = `import matplotlib.pyplot as plt
monthly = df.pivot_table(index="month", columns="region", values="revenue", aggfunc="sum") / 1000
ax = monthly.plot(marker="o", figsize=(9, 5), title="Monthly revenue by region, 2025")
ax.set_xlabel("")
ax.set_ylabel("revenue (thousand $)")
plt.tight_layout()
plt.savefig("/home/user/revenue_by_region.png", dpi=120)
print("saved /home/user/revenue_by_region.png")`;

/** The answer, written from what the sandbox printed (as a real model would read it). */
function answerFromToolOutput(messages: BaseMessage[]): AIMessage {
  const printed = messages.filter((m) => ToolMessage.isInstance(m)).map((m) => String(m.content));
  const finding = printed.join('\n').match(/^(\w+ grew most: .*)$/m)?.[1];
  if (!finding) return new AIMessage('The analysis did not print a result I can report; see the tool output above.');
  return new AIMessage(`${finding}. The chart of monthly revenue per region is at /home/user/revenue_by_region.png.`);
}

export function scriptedAnalyst() {
  return fakeModel()
    .respondWithTools([{ name: 'run_code', args: { code: lookAtTheData, language: 'python' }, id: 'look' }])
    .respondWithTools([{ name: 'run_code', args: { code: compareQuarters, language: 'python' }, id: 'compare' }])
    .respondWithTools([{ name: 'run_code', args: { code: drawTheChart, language: 'python' }, id: 'chart' }])
    .respond(answerFromToolOutput);
}
