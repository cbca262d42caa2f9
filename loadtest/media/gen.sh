#!/bin/sh
# Regenerates the load-test clips embedded by loadtest/media.go, with
# Debian's ffmpeg (libvpx, libx264, libopus). The outputs are committed;
# run this only to change them: sh loadtest/media/gen.sh
#
# Video: a moving test pattern with temporal noise, so that the encoders
# spend their whole budget, at the three simulcast sizes and bitrates of a
# typical browser publisher, 30 fps, a keyframe every 2 s (every 60th
# frame), in a 6 s loop. VP8 without alt-ref frames (as WebRTC encoders
# run), H.264 constrained baseline with an access unit delimiter before
# every frame and SPS/PPS before every IDR, in Annex B.
# Audio: Opus, 20 ms frames, 32 kbit/s CBR, mono, in Ogg.
set -eu
cd "$(dirname "$0")"
SECONDS_LOOP=6
FPS=30
GOP=60

src() { # WIDTH HEIGHT
	echo "testsrc2=size=$1x$2:rate=$FPS:duration=$SECONDS_LOOP,noise=alls=12:allf=t"
}

layer() { # NAME WIDTH HEIGHT KBPS
	name=$1 w=$2 h=$3 kbps=$4
	ffmpeg -hide_banner -loglevel error -y -f lavfi -i "$(src "$w" "$h")" \
		-c:v libvpx -b:v "${kbps}k" -minrate "${kbps}k" -maxrate "${kbps}k" -bufsize "$((kbps / 2))k" \
		-g $GOP -keyint_min $GOP -auto-alt-ref 0 -lag-in-frames 0 -deadline good -cpu-used 4 \
		-error-resilient 1 -drop-threshold 0 -f ivf "vp8_$name.ivf"
	ffmpeg -hide_banner -loglevel error -y -f lavfi -i "$(src "$w" "$h")" \
		-c:v libx264 -profile:v baseline -pix_fmt yuv420p -preset medium -tune zerolatency \
		-b:v "${kbps}k" -maxrate "${kbps}k" -bufsize "$((kbps / 2))k" \
		-g $GOP -keyint_min $GOP -sc_threshold 0 -bf 0 \
		-x264-params "aud=1:repeat-headers=1:nal-hrd=cbr" -f h264 "h264_$name.h264"
}

layer f 1280 720 1700
layer h 640 360 500
layer q 320 180 150

ffmpeg -hide_banner -loglevel error -y -f lavfi \
	-i "aevalsrc=0.3*sin(2*PI*(220+40*sin(2*PI*t))*t)+0.05*(random(0)-0.5):s=48000:d=$SECONDS_LOOP" \
	-c:a libopus -b:a 32k -vbr off -application voip -frame_duration 20 -ac 1 -f ogg opus.ogg
