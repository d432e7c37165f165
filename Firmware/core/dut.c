/* The protocol core: an 80-character command buffer, `db` loading into a
 * 27 648-byte buffer, `infer N W` with warm-up and timestamps, results, and
 * the `tb-raw` extension. Messages and error strings are the reference
 * firmware's, byte for byte (and the emulated DUT's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "board.h"
#include "dut.h"

extern const tb_model tb_generated_model;
/* The arena, sized by the generator (tb_arena.c): TinyRuntime's plan. */
extern int8_t tb_arena[];

static char command[TB_COMMAND_BUFFER + 1];
static uint32_t command_length;
static uint8_t buffer[TB_INPUT_BUFFER];
static int32_t buffer_size, buffer_position;
static int have_results;
static tb_timestamp_mode timestamp_mode;

static void print(const char *line) {
    board_write(line, (uint32_t)strlen(line));
    board_write("\r\n", 2);
}

void dut_boot(tb_timestamp_mode mode) {
    timestamp_mode = mode;
    print(mode == TB_TIMESTAMPS_ENERGY ? "m-timestamp-mode-energy" : "m-timestamp-mode-performance");
    print("m-init-done");
    print("m-ready");
}

static void timestamp(void) {
    if (timestamp_mode == TB_TIMESTAMPS_ENERGY) {
        board_timestamp_pulse();
        return;
    }
    char line[32];
    snprintf(line, sizeof line, "m-lap-us-%lu", (unsigned long)board_micros());
    print(line);
}

static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void db(char *sub, char *arg) {
    char line[96];
    if (!sub) { print("e-[Command 'db' requires a subcommand]"); return; }
    if (strcmp(sub, "load") == 0) {
        if (!arg) { print("e-[Command 'db load' requires the # of bytes]"); return; }
        const int n = atoi(arg);
        if (n == 0) { print("e-[Command 'db load' must be >0 bytes]"); return; }
        buffer_size = n;
        buffer_position = 0;
        if (n < 0 || n > TB_INPUT_BUFFER) {
            snprintf(line, sizeof line, "Supplied buffer size %d exceeds maximum of %d", n, TB_INPUT_BUFFER);
            print(line);
            return;
        }
        snprintf(line, sizeof line, "m-[Expecting %d bytes]", n);
        print(line);
        return;
    }
    if (strcmp(sub, "print") == 0) {
        const int32_t size = buffer_size < 0 ? 0 : (buffer_size > TB_INPUT_BUFFER ? TB_INPUT_BUFFER : buffer_size);
        for (int32_t i = 0; i < size; i += 8) {
            int n = snprintf(line, sizeof line, "m-buffer");
            for (int32_t k = i; k < i + 8 && k < size; ++k) n += snprintf(line + n, sizeof line - (size_t)n, "-%02x", buffer[k]);
            print(line);
        }
        return;
    }
    const size_t digits = strlen(sub);
    if (digits % 2) { print("e-[Insufficent number of hex digits]"); return; }
    for (size_t i = 0; i < digits; i += 2) {
        const int hi = hex(sub[i]), lo = hex(sub[i + 1]);
        if (hi < 0 || lo < 0) {
            snprintf(line, sizeof line, "e-[Invalid hex digit '%c%c']", sub[i], sub[i + 1]);
            print(line);
            return;
        }
        if (buffer_position < TB_INPUT_BUFFER) buffer[buffer_position] = (uint8_t)(hi << 4 | lo);
        ++buffer_position;
        if (buffer_position == buffer_size) { print("m-load-done"); return; }
    }
}

static void infer(char *count, char *warmup) {
    const tb_model *m = &tb_generated_model;
    int n = 1, w = 10;
    char line[32];
    if (count) {
        n = atoi(count);
        if (n <= 0) { print("e-[Inference iterations must be >0]"); return; }
        if (warmup) {
            w = atoi(warmup);
            if (w < 0) { print("e-[Inference warmup must be >=0]"); return; }
        }
    }
    const int32_t loaded = buffer_position < 0 ? 0 : (buffer_position > TB_INPUT_BUFFER ? TB_INPUT_BUFFER : buffer_position);
    th_load_tensor(m, tb_arena, buffer, (uint32_t)loaded);
    snprintf(line, sizeof line, "m-warmup-start-%d", w);
    print(line);
    for (int i = 0; i < w; ++i) tb_invoke(m, tb_arena);
    print("m-warmup-done");
    snprintf(line, sizeof line, "m-infer-start-%d", n);
    print(line);
    timestamp();
    for (int i = 0; i < n; ++i) tb_invoke(m, tb_arena);
    timestamp();
    print("m-infer-done");
    have_results = 1;
    static char results[2048];
    th_results(m, tb_arena, results, sizeof results);
    print(results);
}

static void raw_output(void) {
    const tb_model *m = &tb_generated_model;
    char pair[3];
    board_write("m-tb-raw-[", 10);
    for (uint32_t i = 0; have_results && i < m->output_bytes; ++i) {
        snprintf(pair, sizeof pair, "%02x", (uint8_t)tb_arena[m->output_offset + i]);
        board_write(pair, 2);
    }
    print("]");
}

static void execute(char *text) {
    char *name = strtok(text, " ");
    if (name && strcmp(name, "name") == 0) {
        print("m-name-dut-[TinyBench firmware]");
    } else if (name && strcmp(name, "timestamp") == 0) {
        timestamp();
    } else if (name && strcmp(name, "profile") == 0) {
        char line[48];
        print("m-profile-[ULPMark for tinyML Firmware V0.0.1]");
        snprintf(line, sizeof line, "m-model-[%s]", tb_generated_model.name);
        print(line);
    } else if (name && strcmp(name, "help") == 0) {
        print("ULPMark for tinyML Firmware V0.0.1");
        print("");
        print("help, name, timestamp, db load N | db HH.. | db print, infer N [W], results, tb-raw");
    } else if (name && strcmp(name, "db") == 0) {
        char *sub = strtok(NULL, " ");
        db(sub, strtok(NULL, " "));
    } else if (name && strcmp(name, "infer") == 0) {
        char *count = strtok(NULL, " ");
        infer(count, strtok(NULL, " "));
    } else if (name && strcmp(name, "results") == 0) {
        static char results[2048];
        if (have_results) {
            th_results(&tb_generated_model, tb_arena, results, sizeof results);
            print(results);
        } else {
            print("m-results-[]");
        }
    } else if (name && strcmp(name, "tb-raw") == 0) {
        raw_output();
    } else {
        char line[TB_COMMAND_BUFFER + 32];
        snprintf(line, sizeof line, "e-[Unknown command: %s]", name ? name : "(null)");
        print(line);
    }
    print("m-ready");
}

void dut_receive(char byte) {
    if (byte == '%') {
        command[command_length] = 0;
        command_length = 0;
        execute(command);
    } else if (command_length < TB_COMMAND_BUFFER) {
        command[command_length++] = byte;
    }
}
