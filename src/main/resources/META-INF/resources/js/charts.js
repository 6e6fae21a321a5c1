// A thin layer over ECharts (served from its WebJar, loaded by index.html as window.echarts):
// every chart of the current page is disposed when the page changes.

const live = new Set();
const palette = ['#2f6fde', '#e08a1e', '#2a9d6f', '#9b59b6', '#c0392b', '#6b7785', '#16a2b8', '#b8860b'];

export function chart(container, option) {
  const instance = window.echarts.init(container);
  instance.setOption({ color: palette, animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
  live.add(instance);
  return instance;
}

export function disposeAll() {
  live.forEach((c) => c.dispose());
  live.clear();
}

window.addEventListener('resize', () => live.forEach((c) => c.resize()));

/** An axis of shares 0..100%. */
export const shareAxis = { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v) => Math.round(v * 100) + '%' } };
