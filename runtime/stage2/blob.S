/* zone's last stage (stage2.c, built static without libc) as bytes inside zone. */
	.section .rodata
	.balign 16
	.global zone_stage2_start
	.global zone_stage2_end
zone_stage2_start:
	.incbin STAGE2_BIN
zone_stage2_end:
	.section .note.GNU-stack,"",@progbits
