/*
 * sine_wav.c — a sine WAV for tests (sine_wav.h).
 */
#include "sine_wav.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

static void le(FILE *f, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		fputc((int)((v >> (8 * i)) & 0xff), f);
}

int tap_sine_wav(const char *path, double freq, int frames)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	uint32_t data = (uint32_t)frames * 2, rate = 16000;
	fputs("RIFF", f);
	le(f, 36 + data, 4);
	fputs("WAVEfmt ", f);
	le(f, 16, 4);
	le(f, 1, 2);
	le(f, 1, 2);
	le(f, rate, 4);
	le(f, rate * 2, 4);
	le(f, 2, 2);
	le(f, 16, 2);
	fputs("data", f);
	le(f, data, 4);
	for (int i = 0; i < frames; i++)
		le(f, (uint32_t)(uint16_t)(int16_t)(12000 * sin(2 * M_PI * freq * i / rate)), 2);
	return fclose(f) == 0 ? 0 : -1;
}
