package loadtest

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
)

// Chart geometry, in SVG user units.
const (
	chartWidth   = 960
	panelHeight  = 180
	panelGap     = 50
	marginLeft   = 70
	marginRight  = 150
	marginTop    = 50
	marginBottom = 40
)

// series is one line of a panel.
type series struct {
	name  string
	color string
	value func(Sample) float64
}

// panel is one plot of the chart.
type panel struct {
	title string
	unit  string
	lines []series
}

func chartPanels() []panel {
	return []panel{
		{"Bit rate", "Mbit/s", []series{
			{"received", "#1f77b4", func(s Sample) float64 { return s.ReceivedMbps }},
			{"sent", "#2ca02c", func(s Sample) float64 { return s.SentMbps }},
		}},
		{"Loss after NACK repair", "%", []series{
			{"loss", "#d62728", func(s Sample) float64 { return s.LossPercent }},
		}},
		{"End-to-end latency", "ms", []series{
			{"p50", "#9467bd", func(s Sample) float64 { return s.LatencyP50MS }},
			{"p99", "#ff7f0e", func(s Sample) float64 { return s.LatencyP99MS }},
		}},
	}
}

// WriteSVG draws the timeline: bit rate, loss and latency over time, the
// measurement window shaded. It is plain SVG written by hand.
func (r *Report) WriteSVG(w io.Writer) error {
	panels := chartPanels()
	height := marginTop + len(panels)*(panelHeight+panelGap) - panelGap + marginBottom
	plotW := float64(chartWidth - marginLeft - marginRight)
	tMax := 1.0
	for _, s := range r.Timeline {
		tMax = math.Max(tMax, s.T)
	}
	x := func(t float64) float64 { return marginLeft + t/tMax*plotW }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartWidth, height)
	c := r.Config
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", marginLeft,
		esc(fmt.Sprintf("Parley load test: %d room(s), %d+%d publishers, %d subscribers, %s, %s layout", c.Rooms, c.VideoPublishers, c.AudioPublishers, c.Subscribers, c.Codec, c.Layout)))

	w0, w1 := r.Window.Start.Sub(r.Started).Seconds(), r.Window.End.Sub(r.Started).Seconds()
	for i, p := range panels {
		top := float64(marginTop + i*(panelHeight+panelGap))
		yMax := niceCeil(maxOf(r.Timeline, p.lines))
		y := func(v float64) float64 { return top + panelHeight - v/yMax*panelHeight }
		fmt.Fprintf(&b, `<g class="panel">`+"\n")
		if w1 > w0 {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="#f0f0f0"/>`+"\n",
				x(w0), top, x(math.Min(w1, tMax))-x(w0), panelHeight)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-weight="bold">%s (%s)</text>`+"\n", marginLeft, top-8, esc(p.title), esc(p.unit))
		for k := 0; k <= 4; k++ {
			v := yMax * float64(k) / 4
			fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", marginLeft, y(v), marginLeft+plotW, y(v))
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", marginLeft-6, y(v)+4, esc(formatTick(v)))
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%.1f" height="%d" fill="none" stroke="#888"/>`+"\n", marginLeft, top, plotW, panelHeight)
		for j, l := range p.lines {
			var pts []string
			for _, s := range r.Timeline {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(s.T), y(l.value(s))))
			}
			if len(pts) > 0 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", l.color, strings.Join(pts, " "))
			}
			ly := top + 16 + float64(j)*18
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="3"/>`+"\n",
				marginLeft+plotW+12, ly-4, marginLeft+plotW+32, ly-4, l.color)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", marginLeft+plotW+38, ly, esc(l.name))
		}
		fmt.Fprintf(&b, "</g>\n")
	}
	axisY := float64(height - marginBottom + 16)
	for _, t := range timeTicks(tMax) {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x(t), axisY, esc(formatTick(t)))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">seconds since start (measurement window shaded)</text>`+"\n",
		marginLeft+plotW/2, axisY+18)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// maxOf is the largest value of the lines.
func maxOf(samples []Sample, lines []series) float64 {
	m := 0.0
	for _, s := range samples {
		for _, l := range lines {
			m = math.Max(m, l.value(s))
		}
	}
	return m
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for 0).
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// timeTicks returns about ten round tick positions in [0, tMax].
func timeTicks(tMax float64) []float64 {
	step := niceCeil(tMax / 10)
	var out []float64
	for t := 0.0; t <= tMax+1e-9; t += step {
		out = append(out, t)
	}
	return out
}

func formatTick(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
