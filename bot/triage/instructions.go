package triage

import (
	"regexp"
	"strings"
)

// Instructions returns why a passage of a document (normalised as a message is) holds
// instructions aimed at an assistant rather than at citizens: the injection rules of
// Classify («ignore your rules», «you are now», «system prompt», prompt markup), in
// Traditional and Simplified Chinese and English. It returns the rule's reason
// ("ignore_instructions", "role_play", "reveal_prompt", "jailbreak", "prompt_markup"),
// "" when there is none. Ingest holds back a document with one until staff release it.
//
// A document may describe role play without asking for it (a playground's 角色扮演
// corner): there a role-play rule counts only in a passage that addresses its reader
// (你, 您, you).
func Instructions(passage string) string {
	s := analyse(passage)
	defer release(s)
	r := s.injection()
	if r == "role_play" && !addressed(passage) {
		return ""
	}
	return r
}

var youRE = regexp.MustCompile(`(?i)\byou`)

func addressed(p string) bool {
	return strings.ContainsAny(p, "你您妳") || youRE.MatchString(p)
}
