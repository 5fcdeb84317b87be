#!/bin/sh
# figures.sh: figure files through PLplot read back (issue 15, item 1):
# PNG/SVG/PDF written, PNG of plot.size; round tick labels in the SVG text
# (PLplot's svg driver writes text), 10^k on log axes; a legend entry for
# every series, tangent, band and marker; plot trace (two panels), plot
# vector, the plot.size/dpi/font settings, FILE.gp (data and a gnuplot
# script), and the one-line errors of bad input.
. "$(dirname "$0")/lib.sh"
cd "$tmpdir" || exit 1

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $1"; }

# labels FILE.svg: the text of every <text> of the SVG, one a line, its
# character references decoded (perl, which automake needs anyway) and the
# superscript of 10^k written ^k
labels() {
    tr -d '\n' <"$1" | sed 's/<text/\n<text/g' | grep '^<text' \
        | sed -e 's/<tspan dy="-[^"]*"[^>]*>/^/g' -e 's/<[^>]*>//g' -e 's/^ *//' -e 's/ *$//' \
        | perl -CS -pe 's/&#x([0-9a-fA-F]+);/chr(hex($1))/ge'
}
# round LIST: consecutive numbers of LIST differ by one step, of 1, 2 or 5 × 10^k
round() {
    printf '%s\n' "$@" | awk 'NR > 1 { d = $1 - p; if (NR > 2 && (d - s) * (d - s) > 1e-9 * s * s) bad = 1; s = d }
        { p = $1 } END { if (NR < 3 || bad) exit 1; m = s / 10 ^ int(log(s) / log(10) + 100 - 100);
        while (m >= 10) m /= 10; while (m < 1) m *= 10;
        exit !((m - 1) ^ 2 < 1e-9 || (m - 2) ^ 2 < 1e-9 || (m - 5) ^ 2 < 1e-9) }'
}
# quiet FILE: nothing on stderr but LeakSanitizer's list of the suppressions
# it used (a sanitizer build: fontconfig's caches, tests/lsan.supp)
quiet() { ! grep -v -e '^-*$' -e '^Suppressions used:' -e '^ *count  *bytes  *template' \
    -e '^ *[0-9][0-9]*  *[0-9][0-9]*  *[A-Za-z_]*$' "$1" | grep -q .; }
# png_size FILE: "W H" from the IHDR chunk
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'; }

expect_error "set plot.size 10x10: out of range, one line" 'plot.size=10x10 is out of range' 'set plot.size 10x10'
expect_error "set plot.size abc: its form, one line" "plot.size takes WIDTHxHEIGHT in pixels (700x480), not 'abc'" 'set plot.size abc'
expect_error "set plot.font comic: the families, one line" "plot.font takes sans|serif|mono" 'set plot.font comic'
expect_error "set plot.font sans/200: the size range" "plot.font: the size is in points, in \[4, 72\]" 'set plot.font sans/200'
expect_error "set plot.dpi 20: out of range" 'plot.dpi' 'set plot.dpi 20'
expect_error "plot vector foo: the names, one line" "plot: unknown vector 'foo' (theta, adjoint, omega)" 'plot vector foo'
expect_error "plot vector adjoint before any adjoint" 'plot: no adjoint yet' 'plot vector adjoint'
expect_error "plot vector: a NAME is needed" 'plot vector needs a NAME' 'plot vector'
expect_error "plot trace FILE EXTRA: at most a FILE" 'plot trace takes at most a FILE' 'run 2; plot trace a.png b.png'
expect_error "a figure of another format: .png, .svg, .pdf or .gp" "a figure is .png, .svg, .pdf, or .gp" 'run 2; plot trace x.jpg'
expect_error "a figure in a missing directory: one line" "cannot write 'nodir/x.png'" 'run 2; plot trace nodir/x.png'

"$BILAB" -e 'show settings' >set.out
"$BILAB" -e 'set plot.font serif/12; set plot.size 800X600; set plot.dpi 300; show settings' >set2.out
awk '$1 == "plot.size" && $2 == "700x480" { a = 1 } $1 == "plot.dpi" && $2 == "100" { b = 1 }
     $1 == "plot.font" && $2 == "sans/10" { c = 1 } END { exit !(a && b && c) }' set.out \
    && awk '$1 == "plot.size" && $2 == "800x600" { a = 1 } $1 == "plot.dpi" && $2 == "300" { b = 1 }
     $1 == "plot.font" && $2 == "serif/12" { c = 1 } END { exit !(a && b && c) }' set2.out \
    && "$BILAB" -e 'help plot.size' 2>&1 | grep -q 'WIDTHxHEIGHT'
ok $? "plot.size, plot.dpi, plot.font: defaults, values read back, help"

# the terminal plot of a vector: θ against its index
"$BILAB" -e 'set plot.style ascii; set plot.color off; solve inner; plot vector theta' >vt.out 2>vt.err
[ $? -eq 0 ] && grep -q 'θ (.* entries) against its index' vt.out && quiet vt.err
ok $? "plot vector theta draws θ in the terminal"

# data and a gnuplot script: no PLplot needed
"$BILAB" -e 'set inner.solver newton; run 3; surface omega=-6:2:9; plot surface s.gp; compare cg,neumann k=1:64:4:log; plot compare c.gp; plot trace t.gp' >gp.out 2>gp.err
[ $? -eq 0 ] && grep -q "^wrote the surface figure to s.gp (with its data in s.dat)" gp.out \
    && grep -q "^data = 's.dat'" s.gp && grep -q "data index 0 using 1:2 with lines" s.gp \
    && [ "$(awk '/^# series 0/ { on = 1; next } on && NF == 0 { exit } on && !/^#/ { n++ } END { print n }' s.dat)" -eq 9 ] \
    && grep -q "^# marks: tangent: reference ∇F" s.dat && grep -q "title 'outer trace'" s.gp \
    && grep -q "set logscale y 10" c.gp && grep -q "title 'neumann'" c.gp \
    && [ "$(grep -c '^[0-9.e+-]* [0-9.e+-]*$' c.dat)" -eq 8 ] \
    && grep -q "set multiplot layout 2,1" t.gp && quiet gp.err
ok $? "FILE.gp writes the data and a gnuplot script that reads it"
if command -v gnuplot >/dev/null 2>&1; then
    gnuplot s.gp && [ -s s.png ]
    ok $? "gnuplot runs the script"
else
    skip "gnuplot is not installed: the script is not run"
fi

if "$BILAB" -e 'run 1; plot trace x.png' 2>&1 | grep -q 'need PLplot'; then
    skip "figures: this build has no PLplot"
    done_testing
    exit
fi

"$BILAB" -e 'set inner.solver newton; set plot.size 640x400; run 3; solve inner; adjoint;
    surface omega=-6:2:17 with=cg:k=2; plot surface s.png; plot surface s.svg; plot surface s.pdf;
    compare cg,neumann k=1:200:30:log; plot compare c.svg; plot trace t.png; plot trace t.svg;
    plot vector theta v.svg; plot vector adjoint a.png' >f.out 2>f.err
[ $? -eq 0 ] && quiet f.err && [ "$(grep -c '^wrote the' f.out)" -eq 8 ]
ok $? "surface, compare, trace and vector figures written, nothing on stderr"
for f in s.png s.svg s.pdf c.svg t.png t.svg v.svg a.png; do [ -s "$f" ] || { ok 1 "$f is empty"; }; done
[ "$(png_size s.png)" = "640 400" ] && [ "$(png_size t.png)" = "640 400" ]
ok $? "the PNGs have plot.size (640 400; got $(png_size s.png))"
head -c 4 s.pdf | grep -q '%PDF' && head -c 8 s.png | od -c | grep -q 'P   N   G' \
    && grep -q '<svg' s.svg
ok $? "the files are PDF, PNG and SVG"

labels s.svg >s.lab
# F's axis: the labels left of the frame are numbers with a round step
ylab=$(grep -E '^-?[0-9]+(\.[0-9]+)?$' s.lab | awk '$1 > 100')
round $ylab
ok $? "surface: F's tick labels are round ($(echo $ylab))"
miss=0
for t in 'tangent: reference ∇F' 'tangent: cg:k=2' 'outer trace' 'grid minimum' 'current ω' 'F'; do
    grep -qx "$t" s.lab || { diag "no legend entry '$t'"; miss=1; }
done
ok $miss "surface: a legend entry for F, each tangent and each marker"
[ "$(grep -cx '◆' s.lab)" -eq 2 ] && ! grep -q '^F over.*◆' s.lab
ok $? "surface: ω is drawn as ◆ and the legend shows ◆ (the same symbol)"
! grep -qi 'e-[0-9]' s.lab
ok $? "surface: no label in e-notation"

labels c.svg >c.lab
[ "$(grep -c '^10^-\{0,1\}[0-9]*$' c.lab)" -ge 5 ] && ! grep -q '[0-9]e[-+]' c.lab \
    && grep -q '^cg$' c.lab && grep -q '^neumann$' c.lab
ok $? "compare: log axes labelled 10^k ($(grep '^10^' c.lab | tr '\n' ' ')), a legend entry per estimator"

labels t.svg >t.lab
grep -qx '‖∇F‖' t.lab && grep -q '^F over the outer iterations' t.lab \
    && grep -q 'outer iteration' t.lab
ok $? "trace: F and ‖∇F‖ in two panels of one figure"

labels v.svg >v.lab
grep -q '^θ (10 entries) against its index' v.lab && grep -q '^index$' v.lab
ok $? "vector: θ against its index"

# a 2-D surface: shaded contours, the −∇F arrows, the trajectory
"$BILAB" -e 'problem use quadratic p=6 d=2 kappa=10 seed=2; set inner.solver newton; run 3;
    surface omega[0]=-2:2:11 omega[1]=-2:2:9; plot surface s2.svg; plot surface s2.png' >/dev/null 2>s2.err
labels s2.svg >s2.lab
quiet s2.err && grep -qx '−∇F (direction)' s2.lab && grep -qx 'outer trace' s2.lab \
    && grep -qx 'ω\[0\]' s2.lab && grep -qx 'ω\[1\]' s2.lab && grep -q 'stroke="#FFFFFF"' s2.svg
ok $? "2-D surface: contours with −∇F arrows and the trace in the legend, ω[0] × ω[1]"

# ω's entry that is log η: a secondary axis η = exp(ω) on top (e^-6 = 0.00248, e^-2 = 0.135)
"$BILAB" -e 'problem use lasso learn_eta=1; solve inner; surface omega[1]=-6:-2:5; plot surface eta.svg' >/dev/null 2>eta.err
labels eta.svg >eta.lab
quiet eta.err && grep -qx 'η = exp(ω)' eta.lab && grep -qx '0.00248' eta.lab && grep -qx '0.135' eta.lab
ok $? "a log-η axis of ω gets the secondary axis η = exp(ω)"
# a problem's own vector: heat's u0, drawn with θ (its reconstruction)
"$BILAB" -e 'problem use heat N=40; solve inner; set plot.style ascii; set plot.color off; plot vector u0; plot vector u0 u0.svg' >u0.out 2>u0.err
labels u0.svg >u0.lab
quiet u0.err && grep -q '^u0 (40 entries) and θ' u0.out && grep -q '\*\* u0 (the problem' u0.out \
    && grep -q '++ θ (reconstruction)' u0.out && grep -qx "u0 (the problem's)" u0.lab \
    && grep -qx 'θ (reconstruction)' u0.lab
ok $? "plot vector u0 on heat: u₀ and θ, in the terminal and in a figure, each in the legend"
expect_error "plot vector foo on heat: the problem's own names too" \
    "plot: unknown vector 'foo' (theta, adjoint, omega; heat: u0)" 'problem use heat N=40; plot vector foo'
# ridge's ω is log λ, enet's ω = (log λ₁, log λ₂): the secondary axis λ = exp(ω)
"$BILAB" -e 'surface omega=-6:2:9; plot surface lam.svg; problem use enet; surface omega[1]=-4:0:5; plot surface lam2.svg' >/dev/null 2>lam.err
labels lam.svg >lam.lab
labels lam2.svg >lam2.lab
quiet lam.err && grep -qx 'λ = exp(ω)' lam.lab && grep -qx '0.135' lam.lab && grep -qx '7.39' lam.lab \
    && grep -qx 'λ₂ = exp(ω\[1\])' lam2.lab && grep -qx '0.368' lam2.lab
ok $? "ridge and enet: a secondary axis λ = exp(ω) (e^-2 = 0.135, e^2 = 7.39), λ₂ = exp(ω[1]) on enet's second entry"

# stochastic compare over seeds: the 10-90% band in the legend, log axes
"$BILAB" -e 'problem use quadsum n_inner=64 n_outer=48 dim_inner=4 dim_outer=2 seed=3;
    compare soba,saba calls=3000 seeds=3 points=8; plot compare b.svg' >/dev/null 2>b.err
labels b.svg >b.lab
grep -qx 'soba: 10–90% over seeds' b.lab && grep -q '^saba$' b.lab \
    && grep -q '^10^' b.lab
ok $? "stochastic compare: one line per algorithm and its band over seeds in the legend"

# a failed figure leaves the previous file whole
cp s.png keep.png
"$BILAB" -e 'plot surface s.png' >/dev/null 2>e1
[ $? -eq 1 ] && [ "$(wc -l <e1)" -eq 1 ] && cmp -s s.png keep.png
ok $? "a failed plot leaves the previous figure and says one line"

done_testing
